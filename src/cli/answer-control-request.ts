/**
 * @module
 * PURE. What the proxy writes back to a control request the CLI sends on its stdout. MCP messages for the client's
 * tools get their answer (answer-mcp-message.ts). A permission prompt (`can_use_tool`) gets none while the turn is the
 * model's: answering would end the model's stream before its parallel tool calls arrive (measured on 2.1.197), and the
 * turn ends at message_stop with the CLI waiting on it (held-tool-calls.ts). When the client's results for those calls
 * have come, each prompt is allowed and the call answered with its result. Anything else is refused, so the CLI never
 * waits for an answer that will not come.
 */
import type { ClientTool } from '../core/turn-request.ts';
import { answerMcpMessage } from './answer-mcp-message.ts';
import type { CliControlRequestLine } from './cli-lines.ts';
import type { McpToolResult } from './held-tool-calls.ts';

export interface ControlResponse {
  type: 'control_response';
  response: { subtype: 'success'; request_id: string; response: unknown } | { subtype: 'error'; request_id: string; error: string };
}

/**
 * The control_response to write, or undefined when the request is deliberately left unanswered. `answers`: the
 * client's results for the calls being continued, by tool_use id.
 */
export function answerControlRequest(
  line: CliControlRequestLine,
  tools: readonly ClientTool[],
  answers?: ReadonlyMap<string, McpToolResult>,
): ControlResponse | undefined {
  const { subtype, message } = line.request;
  if (subtype === 'can_use_tool') return allowHeldCall(line, answers);
  if (subtype === 'mcp_message' && message != null) {
    return {
      type: 'control_response',
      response: { subtype: 'success', request_id: line.request_id, response: { mcp_response: answerMcpMessage(message, tools, answers) } },
    };
  }
  return { type: 'control_response', response: { subtype: 'error', request_id: line.request_id, error: `claude-cli-proxy does not handle ${subtype}` } };
}

/** Lets the CLI run a call the client has sent the result of, with the input the model gave it. */
export function allowHeldCall(line: CliControlRequestLine, answers: ReadonlyMap<string, McpToolResult> | undefined): ControlResponse | undefined {
  if (line.request.tool_use_id == null || answers?.has(line.request.tool_use_id) !== true) return undefined;
  return {
    type: 'control_response',
    response: { subtype: 'success', request_id: line.request_id, response: { behavior: 'allow', updatedInput: line.request.input ?? {} } },
  };
}
