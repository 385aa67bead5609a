/**
 * @module
 * PURE. The output items of a response, shared by the streaming and non-streaming translators so that both give
 * the same items with the same ids.
 */
import type {
  ResponseFunctionToolCall,
  ResponseOutputItem,
  ResponseOutputMessage,
  ResponseOutputText,
  ResponseReasoningItem,
} from './openai-responses-wire.ts';

type ItemStatus = 'in_progress' | 'completed' | 'incomplete';

/** Unique because the response id is: `msg_<response id stem>_<output index>` (no id generator needed). */
export function buildOutputItemId(responseId: string, prefix: 'msg' | 'fc' | 'rs', outputIndex: number): string {
  return `${prefix}_${responseId.replace(/^resp_/, '')}_${outputIndex}`;
}

export function buildOutputText(text: string): ResponseOutputText {
  return { type: 'output_text', text, annotations: [], logprobs: [] };
}

export function buildMessageItem(id: string, text: string | undefined, status: ItemStatus): ResponseOutputMessage {
  return { id, type: 'message', role: 'assistant', status, content: text != null ? [buildOutputText(text)] : [] };
}

/**
 * Without a summary (the client did not ask for one) the item only says that the model reasoned.
 * `encrypted`: the thinking block itself, for the client to send back (encode-thinking-as-reasoning.ts).
 */
export function buildReasoningItem(id: string, summary: string | undefined, encrypted?: string): ResponseReasoningItem {
  return {
    id,
    type: 'reasoning',
    summary: summary != null ? [{ type: 'summary_text', text: summary }] : [],
    ...(encrypted != null ? { encrypted_content: encrypted } : {}),
  };
}

/**
 * An mcp_call item is named after the model's tool_use (`mcp_toolu_…`): sent back in a later request's input, it
 * becomes that same tool_use again, so the model sees the exchange as it had it.
 */
export function buildMcpCallItemId(toolUseId: string): string {
  return `mcp_${toolUseId}`;
}

/** A call the CLI ran on an MCP server (mcp_tool_use, then its mcp_tool_result); `result` undefined while it runs. */
export function buildMcpCallItem(
  id: string,
  call: { server: string; name: string; input: unknown },
  result: { text: string; isError: boolean } | undefined,
): ResponseOutputItem.McpCall {
  return {
    id,
    type: 'mcp_call',
    server_label: call.server,
    name: call.name,
    arguments: JSON.stringify(call.input ?? {}),
    output: result != null && !result.isError ? result.text : null,
    error: result?.isError === true ? result.text : null,
    status: result == null ? 'in_progress' : result.isError ? 'failed' : 'completed',
  };
}

/** The text of an mcp_tool_result block (a string, or text blocks). */
export function mcpResultText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((block: { text?: unknown }) => (typeof block.text === 'string' ? block.text : '')).join('');
}

export function buildFunctionCallItem(id: string, callId: string, name: string, argumentsText: string, status: ItemStatus): ResponseFunctionToolCall {
  return { id, type: 'function_call', call_id: callId, name, arguments: argumentsText, status };
}
