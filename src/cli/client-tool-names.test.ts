import type { RawMessageStreamEvent } from '@anthropic-ai/sdk/resources/messages';
import { describe, expect, it } from 'vitest';
import type { ClientTool, ConversationMessage } from '../core/turn-request.ts';
import { prefixToolNames, stripToolNamePrefix, TOOL_NAME_PREFIX } from './client-tool-names.ts';

const withToolUse: ConversationMessage[] = [
  { role: 'user', content: 'weather?' },
  { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'a', input: {} }] },
];
const tool = (name: string, inputSchema: Record<string, unknown> = { type: 'object' }): ClientTool => ({ name, description: undefined, inputSchema });

describe('TOOL_NAME_PREFIX', () => {
  it('is the CLI name of an SDK MCP server called "t"', () => {
    expect(TOOL_NAME_PREFIX).toBe('mcp__t__');
  });
});

describe('prefixToolNames', () => {
  const tools = [tool('a'), tool('b')];

  it('renames assistant tool_use blocks of defined tools to the name the model saw', () => {
    const messages: ConversationMessage[] = [
      { role: 'user', content: 'go' },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'calling' },
          { type: 'tool_use', id: 'toolu_1', name: 'a', input: { x: 1 } },
          { type: 'tool_use', id: 'toolu_2', name: 'b', input: {} },
        ],
      },
    ];
    expect(prefixToolNames(messages, tools)[1]).toEqual({
      role: 'assistant',
      content: [
        { type: 'text', text: 'calling' },
        { type: 'tool_use', id: 'toolu_1', name: 'mcp__t__a', input: { x: 1 } },
        { type: 'tool_use', id: 'toolu_2', name: 'mcp__t__b', input: {} },
      ],
    });
  });

  it('leaves string content, user messages, tool_result blocks and undefined tools alone', () => {
    const messages: ConversationMessage[] = [
      { role: 'user', content: 'a' },
      { role: 'assistant', content: 'a' },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'a' }] },
      // A user message cannot carry tool_use upstream, but if one does it is not the model's call: untouched.
      { role: 'user', content: [{ type: 'tool_use', id: 'toolu_9', name: 'a', input: {} }] as never },
      { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_3', name: 'other', input: {} }] },
    ];
    expect(prefixToolNames(messages, tools)).toEqual(messages);
  });

  it('does not mutate its input', () => {
    const messages: ConversationMessage[] = [{ role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'a', input: {} }] }];
    const copy = structuredClone(messages);
    const result = prefixToolNames(messages, tools);
    expect(messages).toEqual(copy);
    expect(result).not.toBe(messages);
    expect(result[0]).not.toBe(messages[0]);
  });

  it('returns a copy of the messages unchanged when there are no tools', () => {
    const result = prefixToolNames(withToolUse, []);
    expect(result).toEqual(withToolUse);
    expect(result).not.toBe(withToolUse);
  });
});

describe('stripToolNamePrefix', () => {
  const toolStart = (name: string): RawMessageStreamEvent => ({
    type: 'content_block_start',
    index: 1,
    content_block: { type: 'tool_use', id: 'toolu_1', name, input: {} } as never,
  });

  it('gives a tool call of a client tool its bare name', () => {
    expect(stripToolNamePrefix(toolStart('mcp__t__get_weather'))).toEqual(toolStart('get_weather'));
  });

  it('does not mutate the event', () => {
    const event = toolStart('mcp__t__a');
    stripToolNamePrefix(event);
    expect(event).toEqual(toolStart('mcp__t__a'));
  });

  it('leaves other tool names, other blocks and other events unchanged', () => {
    const events: RawMessageStreamEvent[] = [
      toolStart('get_weather'),
      toolStart('mcp__other__a'),
      toolStart('StructuredOutput'),
      { type: 'content_block_start', index: 0, content_block: { type: 'text', text: 'mcp__t__a' } as never },
      { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'mcp__t__a' } },
      { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '{"name":"mcp__t__a"}' } },
      { type: 'content_block_stop', index: 1 },
      { type: 'message_stop' },
    ];
    for (const event of events) expect(stripToolNamePrefix(event)).toBe(event);
  });
});
