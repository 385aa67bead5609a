import type { RawMessageStreamEvent } from '@anthropic-ai/sdk/resources/messages';
import { describe, expect, it } from 'vitest';
import { createParallelToolCallState, stepParallelToolCalls } from './limit-parallel-tool-calls.ts';

const start: RawMessageStreamEvent = {
  type: 'message_start',
  message: {
    id: 'msg_1',
    type: 'message',
    role: 'assistant',
    model: 'm',
    content: [],
    stop_reason: null,
    stop_sequence: null,
    usage: { input_tokens: 10, output_tokens: 3 },
  } as never,
};

const text = (index: number, value: string): RawMessageStreamEvent[] => [
  { type: 'content_block_start', index, content_block: { type: 'text', text: '' } as never },
  { type: 'content_block_delta', index, delta: { type: 'text_delta', text: value } },
  { type: 'content_block_stop', index },
];

const call = (index: number, id: string, json: string): RawMessageStreamEvent[] => [
  { type: 'content_block_start', index, content_block: { type: 'tool_use', id, name: 'get_weather', input: {} } as never },
  { type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: json } },
  { type: 'content_block_stop', index },
];

const end = (stopReason: 'tool_use' | 'end_turn', outputTokens: number): RawMessageStreamEvent[] => [
  { type: 'message_delta', delta: { stop_reason: stopReason, stop_sequence: null }, usage: { output_tokens: outputTokens } } as never,
  { type: 'message_stop' },
];

function run(events: RawMessageStreamEvent[]) {
  const state = createParallelToolCallState();
  return { out: events.flatMap((event) => stepParallelToolCalls(state, event)), state };
}

const ownEnd: RawMessageStreamEvent[] = [
  { type: 'message_delta', delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { output_tokens: 3 } } as never,
  { type: 'message_stop' },
];

describe('stepParallelToolCalls', () => {
  it('ends the message after the first tool call, with stop_reason tool_use and the output tokens from message_start', () => {
    const { out, state } = run([start, ...call(0, 'toolu_1', '{"city":"Oslo"}'), ...call(1, 'toolu_2', '{"city":"Bergen"}'), ...end('tool_use', 40)]);
    expect(out).toEqual([start, ...call(0, 'toolu_1', '{"city":"Oslo"}'), ...ownEnd]);
    expect(state.stopped).toBe(true);
  });

  it('passes the text before the tool call', () => {
    const { out } = run([start, ...text(0, 'Let me check.'), ...call(1, 'toolu_1', '{}'), ...call(2, 'toolu_2', '{}'), ...end('tool_use', 40)]);
    expect(out).toEqual([start, ...text(0, 'Let me check.'), ...call(1, 'toolu_1', '{}'), ...ownEnd]);
  });

  it('drops every event after the stop, text included', () => {
    const state = createParallelToolCallState();
    for (const event of [start, ...call(0, 'toolu_1', '{}')]) stepParallelToolCalls(state, event);
    for (const event of [...text(1, 'more'), ...call(2, 'toolu_2', '{}'), ...end('tool_use', 9)]) expect(stepParallelToolCalls(state, event)).toEqual([]);
  });

  it('leaves a message without tool calls unchanged', () => {
    const events = [start, ...text(0, 'Just text.'), ...end('end_turn', 5)];
    const { out, state } = run(events);
    expect(out).toEqual(events);
    expect(state.stopped).toBe(false);
  });

  it('leaves a message with a single tool call unchanged apart from its own ending', () => {
    const { out } = run([start, ...call(0, 'toolu_1', '{}'), ...end('tool_use', 12)]);
    expect(out).toEqual([start, ...call(0, 'toolu_1', '{}'), ...ownEnd]);
  });
});
