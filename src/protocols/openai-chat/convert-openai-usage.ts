/**
 * @module
 * PURE. Anthropic usage → OpenAI usage. Prompt tokens include cached ones (Anthropic reports them apart):
 * total input = input + cache_creation + cache_read; cached_tokens = cache_read.
 */
import type { Usage } from '@anthropic-ai/sdk/resources/messages';
import type { CompletionUsage } from './openai-chat-wire.ts';

export function convertOpenAIUsage(usage: Partial<Usage> | undefined): CompletionUsage {
  const cacheRead = usage?.cache_read_input_tokens ?? 0;
  const cacheCreation = usage?.cache_creation_input_tokens ?? 0;
  const promptTokens = (usage?.input_tokens ?? 0) + cacheRead + cacheCreation;
  const completionTokens = usage?.output_tokens ?? 0;
  return {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: promptTokens + completionTokens,
    prompt_tokens_details: { cached_tokens: cacheRead },
    completion_tokens_details: { reasoning_tokens: 0 },
  };
}
