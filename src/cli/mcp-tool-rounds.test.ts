import type { RawMessageStreamEvent } from '@anthropic-ai/sdk/resources/messages';
import { describe, expect, it } from 'vitest';
import { FIXTURE_VERSIONS, fixtureLines } from '../../test/support/cli-fixtures.ts';
import { createMessageAccumulator, accumulateMessage, finishMessage } from '../protocols/shared/accumulate-message.ts';
import { parseCliLine } from './cli-lines.ts';
import { createCliEventState, stepCliEvents } from './convert-cli-lines-to-anthropic-events.ts';
import { createMcpRoundsState, stepMcpRounds } from './mcp-tool-rounds.ts';

function messageOf(lines: readonly string[], servers: readonly string[]) {
  const rounds = createMcpRoundsState(servers);
  const state = createCliEventState();
  const events: RawMessageStreamEvent[] = [];
  for (const text of lines) {
    for (const line of stepMcpRounds(rounds, parseCliLine(text))) events.push(...stepCliEvents(state, line, { nowSeconds: 0 }));
  }
  const accumulator = createMessageAccumulator();
  for (const event of events) accumulateMessage(accumulator, event);
  return { events, message: finishMessage(accumulator) };
}

describe.each(FIXTURE_VERSIONS)('stepMcpRounds on CLI %s', (version) => {
  const lines = fixtureLines('mcp-tool-call', version);

  it('makes the two model calls one message: the call, its result, the answer, with the tokens of both', () => {
    const { message, events } = messageOf(lines, ['everything']);
    expect(message.content).toEqual([
      { type: 'text', text: 'Let me use the tool.' },
      { type: 'mcp_tool_use', id: 'toolu_fixturemcp1', name: 'echo', server_name: 'everything', input: { message: 'hello' } },
      { type: 'mcp_tool_result', tool_use_id: 'toolu_fixturemcp1', is_error: false, content: [{ type: 'text', text: 'Echo: hello' }] },
      { type: 'text', text: 'The server said hello.' },
    ]);
    expect(message.stop_reason).toBe('end_turn');
    // As the CLI's result line counts the turn: each call read its whole context (40, then 60 input tokens).
    expect(message.usage).toMatchObject({ input_tokens: 100, output_tokens: 28, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 });
    expect(events.filter((event) => event.type === 'message_start')).toHaveLength(1);
    expect(events.filter((event) => event.type === 'message_stop')).toHaveLength(1);
    const indexes = events.flatMap((event) => (event.type === 'content_block_start' ? [event.index] : []));
    expect(indexes).toEqual([0, 1, 2, 3]);
  });

  it('takes a result that comes before the message ends (the CLI runs a call as soon as its block ends)', () => {
    const user = lines.findIndex((text) => parseCliLine(text).type === 'user');
    const delta = lines.findIndex((text) => text.includes('"stop_reason":"tool_use"') && text.includes('message_delta'));
    const early = [...lines.slice(0, delta), lines[user]!, ...lines.slice(delta, user), ...lines.slice(user + 1)];
    expect(messageOf(early, ['everything']).message.content.map((block) => block.type)).toEqual(['text', 'mcp_tool_use', 'mcp_tool_result', 'text']);
  });

  it('passes every line through when the turn runs no MCP server', () => {
    const state = createMcpRoundsState([]);
    for (const text of lines) {
      const line = parseCliLine(text);
      expect(stepMcpRounds(state, line)).toEqual([line]);
    }
  });
});

describe('stepMcpRounds, a result while a block is open', () => {
  const event = (value: object) => JSON.stringify({ type: 'stream_event', event: value, parent_tool_use_id: null });
  it('holds it back until that block ends: blocks never interleave', () => {
    const lines = [
      event({ type: 'message_start', message: { id: 'msg_1', model: 'm', content: [], usage: { input_tokens: 1, output_tokens: 1 } } }),
      event({ type: 'content_block_start', index: 0, content_block: { type: 'tool_use', id: 'toolu_1', name: 'mcp__s__echo', input: {} } }),
      event({ type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: '{"a":1}' } }),
      event({ type: 'content_block_stop', index: 0 }),
      event({ type: 'content_block_start', index: 1, content_block: { type: 'text', text: '' } }),
      JSON.stringify({ type: 'user', message: { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'done' }] } }),
      event({ type: 'content_block_delta', index: 1, delta: { type: 'text_delta', text: 'Meanwhile.' } }),
      event({ type: 'content_block_stop', index: 1 }),
      event({ type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 3 } }),
      event({ type: 'message_stop' }),
    ];
    const { events, message } = messageOf(lines, ['s']);
    expect(message.content).toEqual([
      { type: 'mcp_tool_use', id: 'toolu_1', name: 'echo', server_name: 's', input: { a: 1 } },
      { type: 'text', text: 'Meanwhile.' },
      { type: 'mcp_tool_result', tool_use_id: 'toolu_1', is_error: false, content: [{ type: 'text', text: 'done' }] },
    ]);
    const order = events.flatMap((item) => (item.type === 'content_block_start' || item.type === 'content_block_stop' ? [`${item.type}:${item.index}`] : []));
    expect(order).toEqual([
      'content_block_start:0',
      'content_block_stop:0',
      'content_block_start:1',
      'content_block_stop:1',
      'content_block_start:2',
      'content_block_stop:2',
    ]);
  });
});
