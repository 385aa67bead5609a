/**
 * @module
 * Where a turn's process comes from, and what it must be told: the process that holds the conversation so far
 * (conversation-affinity.ts) gets only the new user message; a warm one (warm-pool.ts) gets the whole stdin, after
 * the late settings step when it was started with other max_tokens or effort; otherwise a process is spawned.
 */
import { assertNever } from '../errors.ts';
import type { CliInvocation, StdinStep } from './build-cli-invocation.ts';
import type { ClaudeProcess } from './claude-process.ts';
import type { ProcessKind } from './cli-runner.ts';
import type { ConversationSettings, ParkedConversations } from './conversation-affinity.ts';
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
}

export function acquireProcess(sources: ProcessSources, invocation: CliInvocation, conversation: ConversationSettings): AcquiredProcess {
  const kept = sources.conversations.take(conversation, invocation.conversation);
  if (kept != null) return { process: kept, kind: 'kept', steps: stdinStepsFor('kept', invocation) };
  const warm = sources.pool.take(invocation);
  if (warm != null) {
    const kind = warm.exact ? 'warm' : 'warm-late-settings';
    return { process: warm.process, kind, steps: stdinStepsFor(kind, invocation) };
  }
  return { process: sources.spawn(invocation), kind: 'cold', steps: stdinStepsFor('cold', invocation) };
}

/** The stdin steps for a process of that kind. */
export function stdinStepsFor(kind: ProcessKind, invocation: CliInvocation): StdinStep[] {
  switch (kind) {
    case 'cold':
    case 'warm':
      return invocation.stdinSteps;
    case 'warm-late-settings':
      // A warm process started with other max_tokens/effort takes this request's values first.
      return [invocation.lateEnvStep, ...invocation.stdinSteps];
    case 'kept':
      // It has the system prompt and the history already.
      return [invocation.stdinSteps.at(-1)!];
    default:
      return assertNever(kind, 'process kind');
  }
}
