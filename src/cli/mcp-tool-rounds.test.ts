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

  it('makes the two model calls one message: the call, its result, the answer, with the output tokens of both', () => {
    const { message, events } = messageOf(lines, ['everything']);
    expect(message.content).toEqual([
      { type: 'text', text: 'Let me use the tool.' },
      { type: 'mcp_tool_use', id: 'toolu_fixturemcp1', name: 'echo', server_name: 'everything', input: { message: 'hello' } },
      { type: 'mcp_tool_result', tool_use_id: 'toolu_fixturemcp1', is_error: false, content: [{ type: 'text', text: 'Echo: hello' }] },
      { type: 'text', text: 'The server said hello.' },
    ]);
    expect(message.stop_reason).toBe('end_turn');
    expect(message.usage.output_tokens).toBe(28);
    expect(events.filter((event) => event.type === 'message_start')).toHaveLength(1);
    expect(events.filter((event) => event.type === 'message_stop')).toHaveLength(1);
    const indexes = events.flatMap((event) => (event.type === 'content_block_start' ? [event.index] : []));
    expect(indexes).toEqual([0, 1, 2, 3]);
  });

  it('passes every line through when the turn runs no MCP server', () => {
    const state = createMcpRoundsState([]);
    for (const text of lines) {
      const line = parseCliLine(text);
      expect(stepMcpRounds(state, line)).toEqual([line]);
    }
  });
});
