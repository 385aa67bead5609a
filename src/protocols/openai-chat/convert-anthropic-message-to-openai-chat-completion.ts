/**
 * @module
 * PURE. A complete Anthropic Message → an OpenAI `chat.completion` (non-streaming responses).
 */
import type { Message } from '@anthropic-ai/sdk/resources/messages';
import { convertOpenAIUsage } from './convert-openai-usage.ts';
import { mapStopReasonToFinishReason } from './map-stop-reason-to-finish-reason.ts';
import type { ChatCompletion, ChatCompletionMessageToolCall } from './openai-chat-wire.ts';

export function convertAnthropicMessageToOpenAIChatCompletion(message: Message, options: { id: string; created: number }): ChatCompletion {
  const texts: string[] = [];
  const reasoning: string[] = [];
  const toolCalls: ChatCompletionMessageToolCall[] = [];
  for (const block of message.content) {
    if (block.type === 'text') texts.push(block.text);
    else if (block.type === 'thinking') reasoning.push(block.thinking);
    else if (block.type === 'tool_use') {
      toolCalls.push({ id: block.id, type: 'function', function: { name: block.name, arguments: JSON.stringify(block.input ?? {}) } });
    }
  }
  const finishReason = toolCalls.length > 0 && message.stop_reason === 'tool_use' ? 'tool_calls' : mapStopReasonToFinishReason(message.stop_reason);
  return {
    id: options.id,
    object: 'chat.completion',
    created: options.created,
    model: message.model,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          // With only tool calls the content is null, as OpenAI sends it.
          content: texts.length > 0 || toolCalls.length === 0 ? texts.join('') : null,
          refusal: null,
          annotations: [],
          ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
          ...(reasoning.length > 0 ? { reasoning_content: reasoning.join('') } : {}),
        },
        logprobs: null,
        finish_reason: finishReason,
      },
    ],
    usage: convertOpenAIUsage(message.usage),
  };
}
