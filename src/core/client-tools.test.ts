import { describe, expect, it } from 'vitest';
import { proxyErrorOf } from '../../test/support/proxy-error-of.ts';
import { hasToolTurns, selectTools, validateClientTools } from './client-tools.ts';
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
