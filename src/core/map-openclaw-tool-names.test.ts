import type { RawMessageStreamEvent } from '@anthropic-ai/sdk/resources/messages';
import { describe, expect, it } from 'vitest';
import { mapToolCallToClient, mapToolNamesToModel, OPENCLAW_TOOL_NAMES, planToolNameMapping } from './map-openclaw-tool-names.ts';
import { plainTurnRequest, type ClientTool, type TurnRequest } from './turn-request.ts';

const tool = (name: string): ClientTool => ({ name, description: `the ${name} tool`, inputSchema: { type: 'object', properties: {} } });

const toolCallStart = (name: string): RawMessageStreamEvent => ({
  type: 'content_block_start',
  index: 1,
  content_block: { type: 'tool_use', id: 'toolu_1', name, input: {} } as never,
});

function turnWith(tools: ClientTool[], overrides: Partial<TurnRequest> = {}): TurnRequest {
  return plainTurnRequest('sonnet', { tools, ...overrides });
}

describe('OPENCLAW_TOOL_NAMES', () => {
  it('maps the OpenClaw tools to the Claude Code names', () => {
    expect(Object.fromEntries(OPENCLAW_TOOL_NAMES)).toEqual({
      exec: 'Bash',
      read: 'Read',
      write: 'Write',
      edit: 'Edit',
      web_search: 'WebSearch',
      web_fetch: 'WebFetch',
      browser: 'Browser',
      canvas: 'Canvas',
    });
  });
});

describe('mapToolNamesToModel', () => {
  it('renames the mapped tools and leaves the others, their descriptions and schemas as they are', () => {
    const turn = turnWith([tool('exec'), tool('memory_search'), tool('web_fetch')]);
    const mapped = mapToolNamesToModel(turn, planToolNameMapping(turn));
    expect(mapped.tools).toEqual([{ ...tool('exec'), name: 'Bash' }, tool('memory_search'), { ...tool('web_fetch'), name: 'WebFetch' }]);
    expect(turn.tools.map((each) => each.name)).toEqual(['exec', 'memory_search', 'web_fetch']);
  });

  it('renames tool_use blocks in the history, keeping ids, inputs, text and tool results', () => {
    const turn = turnWith([tool('exec'), tool('read')], {
      messages: [
        { role: 'user', content: 'list and read' },
        {
          role: 'assistant',
          content: [
            { type: 'text', text: 'Running exec.' },
            { type: 'tool_use', id: 'toolu_1', name: 'exec', input: { command: 'ls' } },
            { type: 'tool_use', id: 'toolu_2', name: 'memory_get', input: {} },
          ],
        },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'a.txt' }] },
      ],
    });
    const mapped = mapToolNamesToModel(turn, planToolNameMapping(turn));
    expect(mapped.messages).toEqual([
      turn.messages[0],
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Running exec.' },
          { type: 'tool_use', id: 'toolu_1', name: 'Bash', input: { command: 'ls' } },
          { type: 'tool_use', id: 'toolu_2', name: 'memory_get', input: {} },
        ],
      },
      turn.messages[2],
    ]);
  });

  it('renames the history also when the request declares no tools (pi-ai sends tools: [] with tool calls in the history)', () => {
    const turn = turnWith([], {
      messages: [
        { role: 'user', content: 'list' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'exec', input: { command: 'ls' } }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'a.txt' }] },
      ],
    });
    expect(mapToolNamesToModel(turn, planToolNameMapping(turn)).messages[1]).toEqual({
      role: 'assistant',
      content: [{ type: 'tool_use', id: 'toolu_1', name: 'Bash', input: { command: 'ls' } }],
    });
  });

  it.each([
    ['before', [tool('Bash'), tool('exec')]],
    ['after', [tool('exec'), tool('Bash')]],
  ])('on a collision (the client declares Bash %s exec) keeps both tools under their own names', (_order, tools) => {
    const turn = turnWith(tools, {
      messages: [
        { role: 'user', content: 'go' },
        {
          role: 'assistant',
          content: [
            { type: 'tool_use', id: 'toolu_1', name: 'exec', input: {} },
            { type: 'tool_use', id: 'toolu_2', name: 'Bash', input: {} },
          ],
        },
        { role: 'user', content: 'next' },
      ],
    });
    const mapping = planToolNameMapping(turn);
    const mapped = mapToolNamesToModel(turn, mapping);
    expect(mapped.tools.map((each) => each.name)).toEqual(tools.map((each) => each.name));
    expect(mapped.messages).toEqual(turn.messages);
    expect(mapToolCallToClient(toolCallStart('Bash'), mapping)).toEqual(toolCallStart('Bash'));
  });

  it('keeps the other mappings when one collides', () => {
    const turn = turnWith([tool('Read'), tool('read'), tool('exec')]);
    expect(mapToolNamesToModel(turn, planToolNameMapping(turn)).tools.map((each) => each.name)).toEqual(['Read', 'read', 'Bash']);
  });

  it('returns the messages without tool calls as the same objects', () => {
    const turn = turnWith([tool('exec')], { messages: [{ role: 'user', content: 'hi' }] });
    expect(mapToolNamesToModel(turn, planToolNameMapping(turn)).messages[0]).toBe(turn.messages[0]);
  });
});

describe('mapToolCallToClient', () => {
  const turn = turnWith([tool('exec'), tool('web_search'), tool('memory_get')]);
  const mapping = planToolNameMapping(turn);

  it('gives a call of a mapped tool the client name back', () => {
    expect(mapToolCallToClient(toolCallStart('Bash'), mapping)).toEqual(toolCallStart('exec'));
    expect(mapToolCallToClient(toolCallStart('WebSearch'), mapping)).toEqual(toolCallStart('web_search'));
  });

  it('leaves calls of unmapped tools and every other event alone', () => {
    expect(mapToolCallToClient(toolCallStart('memory_get'), mapping)).toEqual(toolCallStart('memory_get'));
    const delta: RawMessageStreamEvent = { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '{"Bash":1}' } };
    expect(mapToolCallToClient(delta, mapping)).toBe(delta);
    const text: RawMessageStreamEvent = { type: 'content_block_start', index: 0, content_block: { type: 'text', text: 'Bash' } as never };
    expect(mapToolCallToClient(text, mapping)).toBe(text);
  });

  it('does not map a call back to a tool the client did not declare', () => {
    // Read is in the table, but this request has no `read`: a call of Read is not one of the client's.
    expect(mapToolCallToClient(toolCallStart('Read'), mapping)).toEqual(toolCallStart('Read'));
  });
});
