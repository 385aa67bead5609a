/**
 * @module
 * PURE. The proxy's MCP server for the client's tools, spoken over the CLI's control protocol (`mcp_message`
 * requests on stdout, `mcp_response` answers on stdin; measured on 2.1.197). It lists the tools and never runs
 * one: the client runs it. A call is answered only with the client's own result for it, when the turn that made it
 * is continued on its process (held-tool-calls.ts).
 */
import type { ClientTool } from '../core/turn-request.ts';
import { TOOL_SERVER_NAME } from './client-tool-names.ts';
import { MCP_RESULT_SIZE_CHARS, type McpToolResult } from './held-tool-calls.ts';

interface JsonRpcMessage {
  jsonrpc?: string;
  id?: string | number | null;
  method?: string;
  params?: { protocolVersion?: string; _meta?: { 'claudecode/toolUseId'?: string } };
}

/** `answers`: the client's results for the calls being continued, by tool_use id. */
export function answerMcpMessage(message: JsonRpcMessage, tools: readonly ClientTool[], answers?: ReadonlyMap<string, McpToolResult>): object {
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
          // Not shown to the model (measured): raises the size at which the CLI swaps a result for a saved preview.
          _meta: { 'anthropic/maxResultSizeChars': MCP_RESULT_SIZE_CHARS },
        })),
      });
    case 'ping':
      return respond({});
    case 'tools/call': {
      const answer = answers?.get(message.params?._meta?.['claudecode/toolUseId'] ?? '');
      // A call nobody has a result for is refused rather than given a pretended one.
      if (answer == null) return { jsonrpc: '2.0', id: message.id, error: { code: -32601, message: 'client tools run in the client, not in the proxy' } };
      return respond(answer);
    }
    default:
      return { jsonrpc: '2.0', id: message.id, error: { code: -32601, message: `method not found: ${message.method ?? ''}` } };
  }
}
