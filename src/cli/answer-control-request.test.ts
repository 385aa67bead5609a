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
          mcp_response: { jsonrpc: '2.0', id: 3, result: { tools: [{ name: 'get_weather', description: 'Weather', inputSchema: { type: 'object' } }] } },
        },
      },
    });
  });

  it('leaves a permission prompt unanswered: the tool never runs and the turn ends at message_stop', () => {
    expect(answerControlRequest(request({ request: { subtype: 'can_use_tool', tool_name: 'mcp__t__get_weather', input: {} } }), tools)).toBeUndefined();
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
