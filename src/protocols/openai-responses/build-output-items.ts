/**
 * @module
 * PURE. The output items of a response, shared by the streaming and non-streaming translators so that both give
 * the same items with the same ids.
 */
import type { ResponseFunctionToolCall, ResponseOutputMessage, ResponseOutputText, ResponseReasoningItem } from './openai-responses-wire.ts';

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

export function buildFunctionCallItem(id: string, callId: string, name: string, argumentsText: string, status: ItemStatus): ResponseFunctionToolCall {
  return { id, type: 'function_call', call_id: callId, name, arguments: argumentsText, status };
}
