/**
 * @module
 * PURE. Structured output through the CLI: `--json-schema` makes the model call a `StructuredOutput` tool whose
 * input is the JSON answer. Clients asked for JSON content, not a tool call, so that block becomes a text block
 * (its input_json_delta fragments become text_delta fragments) and the stop reason becomes end_turn.
 * The turn ends at message_stop, before the CLI would send the tool result back up (one upstream call).
 */
import type { RawMessageStreamEvent } from '@anthropic-ai/sdk/resources/messages';

export const STRUCTURED_OUTPUT_TOOL = 'StructuredOutput';

export interface StructuredOutputState {
  /** Block index of the StructuredOutput call, once it started. */
  index: number | undefined;
}

export function createStructuredOutputState(): StructuredOutputState {
  return { index: undefined };
}

export function stepStructuredOutput(state: StructuredOutputState, event: RawMessageStreamEvent): RawMessageStreamEvent {
  switch (event.type) {
    case 'content_block_start':
      if (event.content_block.type !== 'tool_use' || event.content_block.name !== STRUCTURED_OUTPUT_TOOL) return event;
      state.index = event.index;
      return { type: 'content_block_start', index: event.index, content_block: { type: 'text', text: '' } as never };
    case 'content_block_delta':
      if (event.index !== state.index || event.delta.type !== 'input_json_delta') return event;
      return { type: 'content_block_delta', index: event.index, delta: { type: 'text_delta', text: event.delta.partial_json } };
    case 'message_delta':
      if (state.index == null || event.delta.stop_reason !== 'tool_use') return event;
      return { ...event, delta: { ...event.delta, stop_reason: 'end_turn' } };
    default:
      return event;
  }
}
