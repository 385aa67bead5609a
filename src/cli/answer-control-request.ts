/**
 * @module
 * PURE. What the proxy writes back to a control request the CLI sends on its stdout. MCP messages for the client's
 * tools get their answer (answer-mcp-message.ts); a permission prompt (`can_use_tool`) gets none, on purpose: answering
 * would end the model's stream before its parallel tool calls arrive (measured on 2.1.197), and the turn ends at
 * message_stop anyway. Anything else is refused, so the CLI never waits for an answer that will not come.
 */
import type { ClientTool } from '../core/turn-request.ts';
import { answerMcpMessage } from './answer-mcp-message.ts';
import type { CliControlRequestLine } from './cli-lines.ts';

export interface ControlResponse {
  type: 'control_response';
  response: { subtype: 'success'; request_id: string; response: unknown } | { subtype: 'error'; request_id: string; error: string };
}

/** The control_response to write, or undefined when the request is deliberately left unanswered. */
export function answerControlRequest(line: CliControlRequestLine, tools: readonly ClientTool[]): ControlResponse | undefined {
  const { subtype, message } = line.request;
  if (subtype === 'can_use_tool') return undefined;
  if (subtype === 'mcp_message' && message != null) {
    return {
      type: 'control_response',
      response: { subtype: 'success', request_id: line.request_id, response: { mcp_response: answerMcpMessage(message, tools) } },
    };
  }
  return { type: 'control_response', response: { subtype: 'error', request_id: line.request_id, error: `claude-cli-proxy does not handle ${subtype}` } };
}
