/**
 * @module
 * Where a turn's process comes from, and what it must be told: the process that holds the conversation so far
 * (conversation-affinity.ts) gets only the new user message, or, when it waits on tool calls the request brings the
 * results of, the answers to those calls (held-tool-calls.ts), or, when the request drops the process's last exchange
 * (regenerate, edited last message), a rewind to before it and the new message; a warm one (warm-pool.ts) gets the whole stdin, after
 * the late settings step when it was started with other max_tokens or effort; otherwise a process is spawned.
 */
import { assertNever } from '../errors.ts';
import { allowHeldCall } from './answer-control-request.ts';
import { rewindStep, type CliInvocation, type StdinStep } from './build-cli-invocation.ts';
import type { ClaudeProcess } from './claude-process.ts';
import type { ProcessKind } from './cli-runner.ts';
import type { ConversationSettings, ParkedConversations } from './conversation-affinity.ts';
import { planHeldAnswers, type McpToolResult } from './held-tool-calls.ts';
import type { WarmPool } from './warm-pool.ts';

export interface ProcessSources {
  conversations: Pick<ParkedConversations, 'take'>;
  pool: Pick<WarmPool, 'take'>;
  spawn: (invocation: CliInvocation) => ClaudeProcess;
}

export interface AcquiredProcess {
  process: ClaudeProcess;
  kind: ProcessKind;
  /** What to write to its stdin for this turn. */
  steps: StdinStep[];
  /** For a held process: the client's result for each call it waits on, by tool_use id. */
  answers: ReadonlyMap<string, McpToolResult> | undefined;
}

export function acquireProcess(sources: ProcessSources, invocation: CliInvocation, conversation: ConversationSettings): AcquiredProcess {
  const parked = sources.conversations.take(conversation, invocation.conversation);
  if (parked?.rewindTo != null) {
    // It holds this conversation plus the exchange the request drops: cut back to before that user message first.
    return { process: parked.process, kind: 'rewound', steps: [rewindStep(parked.rewindTo), ...stdinStepsFor('rewound', invocation)], answers: undefined };
  }
  if (parked != null && parked.held == null) return { process: parked.process, kind: 'kept', steps: stdinStepsFor('kept', invocation), answers: undefined };
  if (parked?.held != null) {
    const answers = planHeldAnswers(parked.held.calls, invocation.conversation.at(-1));
    if (answers != null) {
      // The prompts it already asked are allowed now; the later ones as they come (answer-control-request.ts).
      const allowed = parked.held.prompts.flatMap((prompt) => {
        const response = allowHeldCall(prompt, answers);
        return response != null ? [{ line: JSON.stringify(response), awaitsAck: false }] : [];
      });
      return { process: parked.process, kind: 'held', steps: allowed, answers };
    }
    // It waits on calls this request does not answer (another message, edited or unusable results): of no use now.
    void parked.process.terminate();
  }
  const warm = sources.pool.take(invocation);
  if (warm != null) {
    const kind = warm.exact ? 'warm' : 'warm-late-settings';
    return { process: warm.process, kind, steps: stdinStepsFor(kind, invocation), answers: undefined };
  }
  return { process: sources.spawn(invocation), kind: 'cold', steps: stdinStepsFor('cold', invocation), answers: undefined };
}

/** The stdin steps for a process of that kind (a held process is answered, not written to: none). */
export function stdinStepsFor(kind: ProcessKind, invocation: CliInvocation): StdinStep[] {
  switch (kind) {
    case 'cold':
    case 'warm':
      return invocation.stdinSteps;
    case 'warm-late-settings':
      // A warm process started with other max_tokens/effort takes this request's values first.
      return [invocation.lateEnvStep, ...invocation.stdinSteps];
    case 'kept':
    case 'rewound':
      // It has the system prompt and the history already (a rewound one after its rewind step).
      return [invocation.stdinSteps.at(-1)!];
    case 'held':
      return [];
    default:
      return assertNever(kind, 'process kind');
  }
}
