import { describe, expect, it } from 'vitest';
import { expandMcpToolBlocks } from './expand-mcp-tool-blocks.ts';
import type { ConversationMessage } from './turn-request.ts';

const use = (id: string) => ({ type: 'mcp_tool_use', id, name: 'echo', server_name: 'everything', input: { message: id } });
const result = (id: string) => ({ type: 'mcp_tool_result', tool_use_id: id, is_error: false, content: [{ type: 'text', text: `Echo: ${id}` }] });

describe('expandMcpToolBlocks', () => {
  it('splits an answer with MCP calls into the messages the model had: call, result, rest of the answer', () => {
    const messages = [
      { role: 'user', content: 'go' },
      { role: 'assistant', content: [{ type: 'text', text: 'Calling.' }, use('a'), use('b'), result('a'), result('b'), { type: 'text', text: 'Done.' }] },
      { role: 'user', content: 'thanks' },
    ] as unknown as ConversationMessage[];
    expect(expandMcpToolBlocks(messages)).toEqual([
      { role: 'user', content: 'go' },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Calling.' },
          { type: 'tool_use', id: 'a', name: 'mcp__everything__echo', input: { message: 'a' } },
          { type: 'tool_use', id: 'b', name: 'mcp__everything__echo', input: { message: 'b' } },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'a', content: [{ type: 'text', text: 'Echo: a' }] },
          { type: 'tool_result', tool_use_id: 'b', content: [{ type: 'text', text: 'Echo: b' }] },
        ],
      },
      { role: 'assistant', content: [{ type: 'text', text: 'Done.' }] },
      { role: 'user', content: 'thanks' },
    ]);
  });

  it('leaves out a call without its result, and keeps an error result an error', () => {
    const messages = [
      { role: 'user', content: 'go' },
      { role: 'assistant', content: [use('a'), { ...result('a'), is_error: true }, use('lost'), { type: 'text', text: 'End.' }] },
      { role: 'user', content: 'next' },
    ] as unknown as ConversationMessage[];
    const expanded = expandMcpToolBlocks(messages);
    expect(expanded[2]).toEqual({
      role: 'user',
      content: [{ type: 'tool_result', tool_use_id: 'a', content: [{ type: 'text', text: 'Echo: a' }], is_error: true }],
    });
    expect(expanded[3]).toEqual({ role: 'assistant', content: [{ type: 'text', text: 'End.' }] });
  });

  it('returns a conversation without MCP blocks as it is', () => {
    const messages: ConversationMessage[] = [{ role: 'user', content: 'hi' }];
    expect(expandMcpToolBlocks(messages)).toBe(messages);
  });
});
