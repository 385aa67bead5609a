import type { RawMessageStreamEvent } from '@anthropic-ai/sdk/resources/messages';
import { describe, expect, it } from 'vitest';
import { createStructuredOutputState, stepStructuredOutput } from './convert-structured-output.ts';

function run(events: RawMessageStreamEvent[]): RawMessageStreamEvent[] {
  const state = createStructuredOutputState();
  return events.map((event) => stepStructuredOutput(state, event));
}

describe('stepStructuredOutput', () => {
  it('turns the StructuredOutput tool call into JSON text with stop_reason end_turn', () => {
    expect(
      run([
        { type: 'content_block_start', index: 0, content_block: { type: 'tool_use', id: 't', name: 'StructuredOutput', input: {} } as never },
        { type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: '{"name":' } },
        { type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: '"Bob"}' } },
        { type: 'content_block_stop', index: 0 },
        { type: 'message_delta', delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { output_tokens: 5 } } as never,
      ]),
    ).toEqual([
      { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: '{"name":' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: '"Bob"}' } },
      { type: 'content_block_stop', index: 0 },
      { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 5 } },
    ]);
  });

  it('leaves other tools, text and stop reasons alone', () => {
    const events: RawMessageStreamEvent[] = [
      { type: 'content_block_start', index: 0, content_block: { type: 'tool_use', id: 't', name: 'get_weather', input: {} } as never },
      { type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: '{}' } },
      { type: 'message_delta', delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { output_tokens: 5 } } as never,
    ];
    expect(run(events)).toEqual(events);
  });
});
