import { describe, expect, it } from 'vitest';
import { answerControlRequest } from './answer-control-request.ts';
import { parseCliLine, type CliControlRequestLine } from './cli-lines.ts';

const tools = [{ name: 'get_weather', description: 'Weather', inputSchema: { type: 'object' } }];

function request(body: object): CliControlRequestLine {
  const line = parseCliLine(JSON.stringify({ type: 'control_request', request_id: 'r1', ...body }));
  if (line.type !== 'control_request') throw new Error(`not a control request: ${JSON.stringify(line)}`);
  return line;
}

describe('answerControlRequest', () => {
  it("answers the MCP tools/list of the proxy's tool server with the client's tools", () => {
    const response = answerControlRequest(
      request({ request: { subtype: 'mcp_message', server_name: 't', message: { jsonrpc: '2.0', id: 3, method: 'tools/list' } } }),
      tools,
    );
    expect(response).toEqual({
      type: 'control_response',
      response: {
        subtype: 'success',
        request_id: 'r1',
        response: {
          mcp_response: {
            jsonrpc: '2.0',
            id: 3,
            result: {
              tools: [{ name: 'get_weather', description: 'Weather', inputSchema: { type: 'object' }, _meta: { 'anthropic/maxResultSizeChars': 1_000_000 } }],
            },
          },
        },
      },
    });
  });

  it('leaves a permission prompt unanswered: the tool never runs and the turn ends at message_stop', () => {
    expect(answerControlRequest(request({ request: { subtype: 'can_use_tool', tool_name: 'mcp__t__get_weather', input: {} } }), tools)).toBeUndefined();
  });

  it('allows a held call once the client sent its result, with the input the model gave, and answers its tools/call with that result', () => {
    const answers = new Map([['toolu_A', { content: [{ type: 'text' as const, text: 'sunny' }] }]]);
    const prompt = request({ request: { subtype: 'can_use_tool', tool_name: 'mcp__t__get_weather', tool_use_id: 'toolu_A', input: { city: 'Paris' } } });
    expect(answerControlRequest(prompt, tools, answers)?.response).toEqual({
      subtype: 'success',
      request_id: 'r1',
      response: { behavior: 'allow', updatedInput: { city: 'Paris' } },
    });
    const call = request({
      request: {
        subtype: 'mcp_message',
        server_name: 't',
        message: {
          jsonrpc: '2.0',
          id: 7,
          method: 'tools/call',
          params: { name: 'get_weather', arguments: { city: 'Paris' }, _meta: { 'claudecode/toolUseId': 'toolu_A' } },
        },
      },
    });
    expect(answerControlRequest(call, tools, answers)?.response).toEqual({
      subtype: 'success',
      request_id: 'r1',
      response: { mcp_response: { jsonrpc: '2.0', id: 7, result: { content: [{ type: 'text', text: 'sunny' }] } } },
    });
    // Another call has no result: its prompt stays open, and a call of it would be refused.
    const other = request({ request: { subtype: 'can_use_tool', tool_name: 'mcp__t__get_weather', tool_use_id: 'toolu_B', input: {} } });
    expect(answerControlRequest(other, tools, answers)).toBeUndefined();
    const otherCall = request({
      request: { subtype: 'mcp_message', message: { jsonrpc: '2.0', id: 8, method: 'tools/call', params: { _meta: { 'claudecode/toolUseId': 'toolu_B' } } } },
    });
    expect(answerControlRequest(otherCall, tools, answers)?.response).toMatchObject({ response: { mcp_response: { id: 8, error: { code: -32601 } } } });
  });

  it('refuses anything else, so the CLI does not wait', () => {
    expect(answerControlRequest(request({ request: { subtype: 'elicitation' } }), tools)).toEqual({
      type: 'control_response',
      response: { subtype: 'error', request_id: 'r1', error: 'claude-cli-proxy does not handle elicitation' },
    });
  });

  it('is read by its fields: a CLI that writes the keys in another order is answered the same', () => {
    const reordered = parseCliLine(
      '{"request":{"message":{"method":"tools/list","id":4,"jsonrpc":"2.0"},"subtype":"mcp_message"},"request_id":"r2","type":"control_request"}',
    );
    expect(reordered.type).toBe('control_request');
    expect(answerControlRequest(reordered as CliControlRequestLine, tools)?.response).toMatchObject({ subtype: 'success', request_id: 'r2' });
  });
});
