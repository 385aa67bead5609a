/**
 * @module
 * PURE. A tool call for a tool the client never declared (the model saw only the client's tools, as
 * `mcp__t__<name>`; a call of `Bash` or of a bare name is made up) is never handed to the client, in any API. The
 * message ends where that call would begin: stop_reason `tool_use` if a declared call came before it, else
 * `end_turn`, and the caller ends the turn at once. Ending it there also stops the CLI before it answers the call
 * itself ("No such tool available") and asks the model again, a second model call the client never made
 * (measured on 2.1.197: the CLI rejects the call when its input is complete, then calls upstream again).
 */
import type { RawMessageStreamEvent } from '@anthropic-ai/sdk/resources/messages';

export interface UndeclaredToolCallState {
  /** The tool names as the model sees them (already prefixed). */
  declared: ReadonlySet<string>;
  declaredCallSeen: boolean;
  outputTokens: number;
  /** Characters streamed so far: the output token estimate when the proxy ends the message. */
  characters: number;
  /** The name of the undeclared tool the message ended at, once it did. */
  endedAt: string | undefined;
}

/** Output tokens of a message the proxy ends are estimated (about 4 characters per token); the CLI never reports them. */
const CHARACTERS_PER_TOKEN = 4;

export function createUndeclaredToolCallState(declaredNames: Iterable<string>): UndeclaredToolCallState {
  return { declared: new Set(declaredNames), declaredCallSeen: false, outputTokens: 0, characters: 0, endedAt: undefined };
}

export function stepUndeclaredToolCalls(state: UndeclaredToolCallState, event: RawMessageStreamEvent): RawMessageStreamEvent[] {
  if (state.endedAt != null) return [];
  switch (event.type) {
    case 'message_start':
      state.outputTokens = event.message.usage.output_tokens;
      return [event];
    case 'content_block_delta':
      state.characters += deltaCharacters(event.delta);
      return [event];
    case 'content_block_start': {
      const block = event.content_block;
      if (block.type !== 'tool_use') return [event];
      if (state.declared.has(block.name)) {
        state.declaredCallSeen = true;
        return [event];
      }
      state.endedAt = block.name;
      return [
        {
          type: 'message_delta',
          delta: { stop_reason: state.declaredCallSeen ? 'tool_use' : 'end_turn', stop_sequence: null },
          usage: { output_tokens: Math.max(state.outputTokens, Math.ceil(state.characters / CHARACTERS_PER_TOKEN)) },
        } as RawMessageStreamEvent,
        { type: 'message_stop' },
      ];
    }
    default:
      return [event];
  }
}

function deltaCharacters(delta: Extract<RawMessageStreamEvent, { type: 'content_block_delta' }>['delta']): number {
  switch (delta.type) {
    case 'text_delta':
      return delta.text.length;
    case 'input_json_delta':
      return delta.partial_json.length;
    case 'thinking_delta':
      return delta.thinking.length;
    default:
      return 0;
  }
}
