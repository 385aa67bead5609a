import { describe, expect, it } from 'vitest';
import type { ClientTool } from '../core/turn-request.ts';
import { answerMcpMessage } from './answer-mcp-message.ts';

const schema = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false };
const tools: ClientTool[] = [
  { name: 'get_weather', description: 'Current weather', inputSchema: schema },
  { name: 'noop', description: undefined, inputSchema: { type: 'object' } },
];

describe('answerMcpMessage', () => {
  it('answers initialize with the protocol version asked for, the tools capability and server name "t"', () => {
    expect(answerMcpMessage({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-03-26' } }, tools)).toEqual({
      jsonrpc: '2.0',
      id: 0,
      result: { protocolVersion: '2025-03-26', capabilities: { tools: {} }, serverInfo: { name: 't', version: '1.0.0' } },
    });
  });

  it('answers initialize without a protocol version with a default one', () => {
    const answer = answerMcpMessage({ jsonrpc: '2.0', id: 1, method: 'initialize' }, tools) as { result: { protocolVersion: unknown } };
    expect(typeof answer.result.protocolVersion).toBe('string');
  });

  it('acknowledges notifications (no id) with an empty result and id 0', () => {
    expect(answerMcpMessage({ jsonrpc: '2.0', method: 'notifications/initialized' }, tools)).toEqual({ jsonrpc: '2.0', result: {}, id: 0 });
    expect(answerMcpMessage({ jsonrpc: '2.0', id: null, method: 'notifications/cancelled' }, tools)).toEqual({ jsonrpc: '2.0', result: {}, id: 0 });
  });

  it('lists the tools with name, description and input schema exactly, omitting a missing description', () => {
    const answer = answerMcpMessage({ jsonrpc: '2.0', id: 'list-1', method: 'tools/list' }, tools) as { id: unknown; result: { tools: object[] } };
    expect(answer.id).toBe('list-1');
    // _meta is for the CLI (the size up to which it passes a result on whole); the model never sees it.
    const meta = { 'anthropic/maxResultSizeChars': 1_000_000 };
    expect(answer.result.tools).toEqual([
      { name: 'get_weather', description: 'Current weather', inputSchema: schema, _meta: meta },
      { name: 'noop', inputSchema: { type: 'object' }, _meta: meta },
    ]);
    expect(answer.result.tools[1]).not.toHaveProperty('description');
    expect((answer.result.tools[0] as { inputSchema: unknown }).inputSchema).toBe(schema);
  });

  it('lists no tools when there are none', () => {
    expect(answerMcpMessage({ jsonrpc: '2.0', id: 2, method: 'tools/list' }, [])).toEqual({ jsonrpc: '2.0', id: 2, result: { tools: [] } });
  });

  it('refuses tools/call with a JSON-RPC error and never a result, unless the client sent the result of that very call', () => {
    const answers = new Map([['toolu_A', { content: [{ type: 'text' as const, text: 'done' }] }]]);
    const call = (id: string) => ({ jsonrpc: '2.0', id: 9, method: 'tools/call', params: { _meta: { 'claudecode/toolUseId': id } } });
    expect(answerMcpMessage(call('toolu_A'), tools, answers)).toEqual({ jsonrpc: '2.0', id: 9, result: { content: [{ type: 'text', text: 'done' }] } });
    expect(answerMcpMessage(call('toolu_B'), tools, answers)).toMatchObject({ id: 9, error: { code: -32601 } });
    const answer = answerMcpMessage({ jsonrpc: '2.0', id: 3, method: 'tools/call' }, tools) as {
      id: unknown;
      error?: { code: number; message: string };
      result?: unknown;
    };
    expect(answer.id).toBe(3);
    expect(answer.error).toMatchObject({ code: expect.any(Number), message: expect.any(String) });
    expect(answer).not.toHaveProperty('result');
  });

  it('answers an unknown method with error -32601', () => {
    expect(answerMcpMessage({ jsonrpc: '2.0', id: 4, method: 'resources/list' }, tools)).toEqual({
      jsonrpc: '2.0',
      id: 4,
      error: { code: -32601, message: expect.stringContaining('resources/list') },
    });
  });

  it('answers ping with an empty result', () => {
    expect(answerMcpMessage({ jsonrpc: '2.0', id: 5, method: 'ping' }, tools)).toEqual({ jsonrpc: '2.0', id: 5, result: {} });
  });
});
