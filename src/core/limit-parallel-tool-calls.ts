/**
 * @module
 * PURE. `parallel_tool_calls: false` / `disable_parallel_tool_use`: the CLI cannot tell the model, so the proxy
 * ends the message after the first tool call (stop_reason tool_use) and the caller ends the turn. Any further calls
 * the model was making are not returned, and the client sees one call per turn, as it asked.
 */
import type { RawMessageStreamEvent } from '@anthropic-ai/sdk/resources/messages';

export interface ParallelToolCallState {
  toolIndex: number | undefined;
  outputTokens: number;
  stopped: boolean;
}

export function createParallelToolCallState(): ParallelToolCallState {
  return { toolIndex: undefined, outputTokens: 0, stopped: false };
}

export function stepParallelToolCalls(state: ParallelToolCallState, event: RawMessageStreamEvent): RawMessageStreamEvent[] {
  if (state.stopped) return [];
  if (event.type === 'message_start') state.outputTokens = event.message.usage.output_tokens;
  if (event.type === 'content_block_start' && event.content_block.type === 'tool_use' && state.toolIndex == null) state.toolIndex = event.index;
  if (event.type === 'content_block_stop' && event.index === state.toolIndex) {
    state.stopped = true;
    return [
      event,
      { type: 'message_delta', delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { output_tokens: state.outputTokens } } as RawMessageStreamEvent,
      { type: 'message_stop' },
    ];
  }
  return [event];
}
