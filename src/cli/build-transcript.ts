/**
 * @module
 * PURE. A conversation's earlier messages as a CLI session transcript, so `--resume` sends them upstream as
 * real structured turns (../shared/reference/claude-cli-facts.md, Q4b: verbatim, thinking and images included).
 */
import type { MessageParam } from '@anthropic-ai/sdk/resources/messages';
import { ProxyError } from '../errors.ts';

export interface ConversationPlan {
  /** Messages before the prompt, written as a transcript (empty: no --resume). */
  history: MessageParam[];
  /** The last user message, sent on stdin. */
  prompt: MessageParam;
}

export function planConversation(messages: readonly MessageParam[]): ConversationPlan {
  const prompt = messages.at(-1);
  if (prompt == null) throw new ProxyError('invalid_request', 'messages: at least one message is required', { param: 'messages' });
  if (prompt.role !== 'user') {
    throw new ProxyError('invalid_request', 'messages: the last message must have role "user" (a trailing assistant prefill is not supported yet)', {
      param: 'messages',
    });
  }
  return { history: messages.slice(0, -1), prompt };
}

export interface TranscriptContext {
  sessionId: string;
  cwd: string;
  cliVersion: string;
  timestamp: string;
  newUuid: () => string;
}

/** The transcript file's text: one JSON entry per message, each the child of the one before. */
export function buildTranscript(history: readonly MessageParam[], context: TranscriptContext): string {
  let parentUuid: string | null = null;
  const lines: string[] = [];
  for (const message of history) {
    const uuid = context.newUuid();
    const content = typeof message.content === 'string' ? [{ type: 'text', text: message.content }] : message.content;
    lines.push(
      JSON.stringify({
        parentUuid,
        isSidechain: false,
        type: message.role,
        uuid,
        timestamp: context.timestamp,
        userType: 'external',
        cwd: context.cwd,
        sessionId: context.sessionId,
        version: context.cliVersion,
        message:
          message.role === 'assistant'
            ? { id: `msg_${uuid}`, type: 'message', role: 'assistant', model: 'claude-cli-proxy-history', content, stop_reason: 'end_turn', stop_sequence: null, usage: { input_tokens: 0, output_tokens: 0 } }
            : { role: 'user', content },
      }),
    );
    parentUuid = uuid;
  }
  return lines.join('\n') + '\n';
}

/** Where the CLI looks for a session's transcript: ~/.claude/projects/<cwd, every non-alphanumeric as '-'>/. */
export function transcriptDirectoryName(cwd: string): string {
  return cwd.replace(/[^a-zA-Z0-9]/g, '-');
}
