/**
 * @module
 * PURE. The proxy's MCP server for the client's tools, spoken over the CLI's control protocol (`mcp_message`
 * requests on stdout, `mcp_response` answers on stdin; measured on 2.1.197). It lists the tools and never runs
 * one: a call is held at the permission prompt and the turn ends, so the client runs it.
 */
import type { ClientTool } from '../core/turn-request.ts';
import { TOOL_SERVER_NAME } from './client-tool-names.ts';

interface JsonRpcMessage {
  jsonrpc?: string;
  id?: string | number | null;
  method?: string;
  params?: { protocolVersion?: string };
}

export function answerMcpMessage(message: JsonRpcMessage, tools: readonly ClientTool[]): object {
  // Notifications get the empty acknowledgement the Agent SDK sends.
  if (message.id == null) return { jsonrpc: '2.0', result: {}, id: 0 };
  const respond = (result: object) => ({ jsonrpc: '2.0', id: message.id, result });
  switch (message.method) {
    case 'initialize':
      return respond({
        protocolVersion: message.params?.protocolVersion ?? '2025-06-18',
        capabilities: { tools: {} },
        serverInfo: { name: TOOL_SERVER_NAME, version: '1.0.0' },
      });
    case 'tools/list':
      return respond({
        tools: tools.map((tool) => ({
          name: tool.name,
          ...(tool.description != null ? { description: tool.description } : {}),
          inputSchema: tool.inputSchema,
        })),
      });
    case 'ping':
      return respond({});
    case 'tools/call':
      // Never reached: calls stop at the permission prompt. Refuse rather than pretend a result.
      return { jsonrpc: '2.0', id: message.id, error: { code: -32601, message: 'client tools run in the client, not in the proxy' } };
    default:
      return { jsonrpc: '2.0', id: message.id, error: { code: -32601, message: `method not found: ${message.method ?? ''}` } };
  }
}
