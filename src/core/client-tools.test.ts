import type { RawMessageStreamEvent } from '@anthropic-ai/sdk/resources/messages';
import { describe, expect, it } from 'vitest';
import { proxyErrorOf } from '../../test/support/proxy-error-of.ts';
import { hasToolTurns, prefixToolNames, selectTools, stripToolNamePrefix, TOOL_NAME_PREFIX, validateClientTools } from './client-tools.ts';
import type { ClientTool, ConversationMessage } from './turn-request.ts';

const tool = (name: string, inputSchema: Record<string, unknown> = { type: 'object' }): ClientTool => ({ name, description: undefined, inputSchema });
const path = (index: number) => `tools.${index}`;

/** The ProxyError a call throws (fails the test if it throws none). */
const errorOf = proxyErrorOf;

const plain: ConversationMessage[] = [
  { role: 'user', content: 'hi' },
  { role: 'assistant', content: [{ type: 'text', text: 'hello' }] },
  { role: 'user', content: [{ type: 'text', text: 'weather?' }] },
];
const withToolUse: ConversationMessage[] = [
  { role: 'user', content: 'weather?' },
  { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'a', input: {} }] },
];
const withToolResult: ConversationMessage[] = [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'sunny' }] }];

describe('TOOL_NAME_PREFIX', () => {
  it('is the CLI name of an SDK MCP server called "t"', () => {
    expect(TOOL_NAME_PREFIX).toBe('mcp__t__');
  });
});

describe('validateClientTools', () => {
  it('accepts names of letters, digits, _ and - up to 120 characters', () => {
    expect(() => validateClientTools([tool('get_weather'), tool('A-1'), tool('x'.repeat(120))], path)).not.toThrow();
    expect(() => validateClientTools([], path)).not.toThrow();
  });

  it.each([
    ['an empty name', ''],
    ['a space', 'get weather'],
    ['a dot', 'get.weather'],
    ['a colon', 'ns:tool'],
    ['a non-ASCII letter', 'météo'],
    ['121 characters', 'x'.repeat(121)],
  ])('rejects %s with a 400 on the name path', (_case, name) => {
    const error = errorOf(() => validateClientTools([tool('ok'), tool(name)], path));
    expect(error.status).toBe(400);
    expect(error.kind).toBe('invalid_request');
    expect(error.param).toBe('tools.1.name');
    expect(error.message).toContain('^[a-zA-Z0-9_-]{1,120}$');
  });

  it('rejects a duplicate name on the second occurrence', () => {
    const error = errorOf(() => validateClientTools([tool('a'), tool('b'), tool('a')], path));
    expect(error.status).toBe(400);
    expect(error.param).toBe('tools.2.name');
    expect(error.message).toContain('"a"');
  });

  it('treats names as case-sensitive', () => {
    expect(() => validateClientTools([tool('a'), tool('A')], path)).not.toThrow();
  });

  it.each([
    ['type string', { type: 'string' }],
    ['no type', { properties: {} }],
    ['type array', { type: 'array' }],
  ])('rejects an input schema with %s with a 400 on the tool path', (_case, schema) => {
    const error = errorOf(() => validateClientTools([tool('a', schema)], path));
    expect(error.status).toBe(400);
    expect(error.param).toBe('tools.0');
  });

  it('builds error paths with the given function (OpenAI nests the tool under function)', () => {
    const openAIPath = (index: number) => `tools.${index}.function`;
    expect(errorOf(() => validateClientTools([tool('bad name')], openAIPath)).param).toBe('tools.0.function.name');
    expect(errorOf(() => validateClientTools([tool('a', { type: 'string' })], openAIPath)).param).toBe('tools.0.function');
  });
});

describe('hasToolTurns', () => {
  it('is false for text-only conversations, strings included', () => {
    expect(hasToolTurns(plain)).toBe(false);
    expect(hasToolTurns([])).toBe(false);
  });

  it('is true with a tool_use or a tool_result block anywhere', () => {
    expect(hasToolTurns(withToolUse)).toBe(true);
    expect(hasToolTurns(withToolResult)).toBe(true);
    expect(hasToolTurns([...plain, ...withToolResult])).toBe(true);
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

describe('selectTools', () => {
  const tools = [tool('a'), tool('b')];

  it('shows every tool for auto or no choice', () => {
    expect(selectTools(tools, undefined, plain)).toEqual({ tools, choiceIgnored: false });
    expect(selectTools(tools, { type: 'auto' }, plain)).toEqual({ tools, choiceIgnored: false });
  });

  it('hides the tools for none', () => {
    expect(selectTools(tools, { type: 'none' }, plain)).toEqual({ tools: [], choiceIgnored: false });
  });

  it('keeps the tools for none when the history has tool turns, and reports the choice ignored', () => {
    expect(selectTools(tools, { type: 'none' }, withToolUse)).toEqual({ tools, choiceIgnored: true });
    expect(selectTools(tools, { type: 'none' }, withToolResult)).toEqual({ tools, choiceIgnored: true });
  });

  it('shows every tool for any and reports the choice ignored (a call cannot be forced)', () => {
    expect(selectTools(tools, { type: 'any' }, plain)).toEqual({ tools, choiceIgnored: true });
  });

  it('does not report any as ignored when there are no tools', () => {
    expect(selectTools([], { type: 'any' }, plain)).toEqual({ tools: [], choiceIgnored: false });
  });

  it('shows only the named tool and reports the choice ignored', () => {
    expect(selectTools(tools, { type: 'tool', name: 'b' }, plain)).toEqual({ tools: [tools[1]], choiceIgnored: true });
  });

  it('keeps every tool for a named tool when the history has tool turns', () => {
    expect(selectTools(tools, { type: 'tool', name: 'b' }, withToolUse)).toEqual({ tools, choiceIgnored: true });
  });

  it('rejects a named tool that is not defined with a 400 on tool_choice', () => {
    const error = errorOf(() => selectTools(tools, { type: 'tool', name: 'c' }, plain));
    expect(error.status).toBe(400);
    expect(error.kind).toBe('invalid_request');
    expect(error.param).toBe('tool_choice');
    expect(error.message).toContain('"c"');
  });
});
