import type { RawMessageStreamEvent } from '@anthropic-ai/sdk/resources/messages';
import { describe, expect, it } from 'vitest';
import { ev, messageStart } from '../../test/support/anthropic-events.ts';
import { createUndeclaredToolCallState, stepUndeclaredToolCalls } from './end-at-undeclared-tool-call.ts';

function toolBlock(index: number, name: string): RawMessageStreamEvent[] {
  return [
    ev({ type: 'content_block_start', index, content_block: { type: 'tool_use', id: `toolu_${index}`, name, input: {} } }),
    ev({ type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: '{"command":"echo hi"}' } }),
    ev({ type: 'content_block_stop', index }),
  ];
}

const text: RawMessageStreamEvent[] = [
  ev({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }),
  ev({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Let me run that for you.' } }),
  ev({ type: 'content_block_stop', index: 0 }),
];

function run(declared: string[], events: RawMessageStreamEvent[]) {
  const state = createUndeclaredToolCallState(declared);
  return { out: events.flatMap((event) => stepUndeclaredToolCalls(state, event)), state };
}

const end: RawMessageStreamEvent[] = [
  ev({ type: 'message_delta', delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { output_tokens: 30 } }),
  ev({ type: 'message_stop' }),
];

describe('stepUndeclaredToolCalls', () => {
  it('passes declared tool calls through', () => {
    const events = [messageStart(), ...text, ...toolBlock(1, 'mcp__t__get_weather'), ...end];
    expect(run(['mcp__t__get_weather'], events).out).toEqual(events);
  });

  it('ends the message where a call of an undeclared tool (Bash) begins, as end_turn, without the call', () => {
    const { out, state } = run(['mcp__t__get_weather'], [messageStart(), ...text, ...toolBlock(1, 'Bash'), ...end]);
    expect(out).toEqual([
      messageStart(),
      ...text,
      { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 6 } },
      { type: 'message_stop' },
    ]);
    expect(state.endedAt).toBe('Bash');
  });

  it('keeps a declared call made before the undeclared one, with stop_reason tool_use', () => {
    const { out } = run(['mcp__t__get_weather'], [messageStart(), ...toolBlock(0, 'mcp__t__get_weather'), ...toolBlock(1, 'get_weather'), ...end]);
    expect(out.filter((event) => event.type === 'content_block_start')).toHaveLength(1);
    expect(out.at(-2)).toMatchObject({ type: 'message_delta', delta: { stop_reason: 'tool_use' } });
    expect(out.at(-1)).toEqual({ type: 'message_stop' });
  });

  it('treats a bare name as undeclared: the model only ever saw the prefixed one', () => {
    expect(run(['mcp__t__get_weather'], [messageStart(), ...toolBlock(0, 'get_weather')]).state.endedAt).toBe('get_weather');
  });
});
