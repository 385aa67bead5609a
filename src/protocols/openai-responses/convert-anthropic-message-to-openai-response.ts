/**
 * @module
 * PURE. A complete Anthropic Message → an OpenAI Responses `response` (non-streaming), with the same items and ids
 * the streaming translator gives: thinking → reasoning, text → message, tool_use → function_call, in order.
 */
import type { Message } from '@anthropic-ai/sdk/resources/messages';
import { buildFunctionCallItem, buildMessageItem, buildOutputItemId, buildReasoningItem } from './build-output-items.ts';
import { convertResponsesUsage } from './convert-responses-usage.ts';
import { encodeThinkingAsReasoning } from './encode-thinking-as-reasoning.ts';
import { mapStopReasonToResponseStatus } from './map-stop-reason-to-response-status.ts';
import type { WireResponse } from './openai-responses-wire.ts';

export function convertAnthropicMessageToOpenAIResponse(message: Message, options: { skeleton: WireResponse; reasoningSummary: boolean }): WireResponse {
  const { skeleton } = options;
  const output: WireResponse['output'] = [];
  for (const block of message.content) {
    const outputIndex = output.length;
    switch (block.type) {
      case 'text':
        // As when streaming: an empty text block gives no empty message.
        if (block.text !== '') output.push(buildMessageItem(buildOutputItemId(skeleton.id, 'msg', outputIndex), block.text, 'completed'));
        break;
      case 'thinking':
        output.push(
          buildReasoningItem(
            buildOutputItemId(skeleton.id, 'rs', outputIndex),
            options.reasoningSummary && block.thinking !== '' ? block.thinking : undefined,
            encodeThinkingAsReasoning(block),
          ),
        );
        break;
      case 'redacted_thinking':
        output.push(buildReasoningItem(buildOutputItemId(skeleton.id, 'rs', outputIndex), undefined, encodeThinkingAsReasoning(block)));
        break;
      case 'tool_use':
        output.push(
          buildFunctionCallItem(buildOutputItemId(skeleton.id, 'fc', outputIndex), block.id, block.name, JSON.stringify(block.input ?? {}), 'completed'),
        );
        break;
      default:
        // Server-tool blocks carry nothing a Responses client could use.
        break;
    }
  }
  return {
    ...skeleton,
    ...mapStopReasonToResponseStatus(message.stop_reason),
    model: message.model,
    output,
    usage: convertResponsesUsage(message.usage),
  };
}
