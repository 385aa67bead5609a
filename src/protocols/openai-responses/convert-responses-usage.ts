/**
 * @module
 * PURE. Anthropic usage → Responses usage, with the Chat Completions arithmetic (convert-openai-usage.ts): input
 * tokens include cached ones; cached_tokens = cache reads, cache_write_tokens = cache creation. Codex requires input, output and total tokens.
 */
import type { Usage } from '@anthropic-ai/sdk/resources/messages';
import { convertOpenAIUsage } from '../openai-chat/convert-openai-usage.ts';
import type { ResponseUsage } from './openai-responses-wire.ts';

export function convertResponsesUsage(usage: Partial<Usage> | undefined): ResponseUsage {
  const converted = convertOpenAIUsage(usage);
  return {
    input_tokens: converted.prompt_tokens,
    input_tokens_details: { cached_tokens: converted.prompt_tokens_details?.cached_tokens ?? 0, cache_write_tokens: usage?.cache_creation_input_tokens ?? 0 },
    output_tokens: converted.completion_tokens,
    // Anthropic counts thinking inside output_tokens and does not report it apart.
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: converted.total_tokens,
  };
}
