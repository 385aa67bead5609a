/**
 * @module
 * PURE. A complete Anthropic Message → an OpenAI Responses `response` (non-streaming), with the same items and ids
 * the streaming translator gives: thinking → reasoning, text → message, tool_use → function_call, in order.
 */
import type { Message } from '@anthropic-ai/sdk/resources/messages';
import {
  buildFunctionCallItem,
  buildMcpCallItem,
  buildMcpCallItemId,
  buildMessageItem,
  buildOutputItemId,
  buildReasoningItem,
  mcpResultText,
} from './build-output-items.ts';
import { convertResponsesUsage } from './convert-responses-usage.ts';
import { encodeThinkingAsReasoning } from './encode-thinking-as-reasoning.ts';
import { mapStopReasonToResponseStatus } from './map-stop-reason-to-response-status.ts';
import type { WireResponse } from './openai-responses-wire.ts';

export function convertAnthropicMessageToOpenAIResponse(message: Message, options: { skeleton: WireResponse; reasoningSummary: boolean }): WireResponse {
  const { skeleton } = options;
  const output: WireResponse['output'] = [];
  /** Each MCP call's item, completed by its result block. */
  const mcpCalls = new Map<string, number>();
  for (const block of message.content) {
    const outputIndex = output.length;
    const mcp = block as unknown as {
      type: string;
      id: string;
      name: string;
      server_name: string;
      input: unknown;
      tool_use_id: string;
      content: unknown;
      is_error?: boolean;
    };
    if (mcp.type === 'mcp_tool_use') {
      mcpCalls.set(mcp.id, outputIndex);
      output.push(buildMcpCallItem(buildMcpCallItemId(mcp.id), { server: mcp.server_name, name: mcp.name, input: mcp.input }, undefined));
      continue;
    }
    if (mcp.type === 'mcp_tool_result') {
      const index = mcpCalls.get(mcp.tool_use_id);
      const item = index != null ? output[index] : undefined;
      if (index != null && item?.type === 'mcp_call') {
        const input: unknown = JSON.parse(item.arguments);
        output[index] = buildMcpCallItem(
          item.id,
          { server: item.server_label, name: item.name, input },
          { text: mcpResultText(mcp.content), isError: mcp.is_error === true },
        );
      }
      continue;
    }
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
