import { describe, expect, it } from 'vitest';
import { convertOpenAIUsage } from './convert-openai-usage.ts';

describe('convertOpenAIUsage', () => {
  it('counts cache reads and cache writes in prompt_tokens and reports cache reads as cached_tokens', () => {
    expect(convertOpenAIUsage({ input_tokens: 10, cache_read_input_tokens: 100, cache_creation_input_tokens: 20, output_tokens: 7 })).toEqual({
      prompt_tokens: 130,
      completion_tokens: 7,
      total_tokens: 137,
      prompt_tokens_details: { cached_tokens: 100 },
      completion_tokens_details: { reasoning_tokens: 0 },
    });
  });

  it('treats missing and null counters as zero', () => {
    expect(convertOpenAIUsage({ input_tokens: 4, output_tokens: 2, cache_read_input_tokens: null, cache_creation_input_tokens: null })).toMatchObject({
      prompt_tokens: 4,
      completion_tokens: 2,
      total_tokens: 6,
      prompt_tokens_details: { cached_tokens: 0 },
    });
    expect(convertOpenAIUsage({ output_tokens: 3 })).toMatchObject({ prompt_tokens: 0, completion_tokens: 3, total_tokens: 3 });
  });

  it('gives all zeros for no usage', () => {
    expect(convertOpenAIUsage(undefined)).toMatchObject({
      prompt_tokens: 0,
      completion_tokens: 0,
      total_tokens: 0,
      prompt_tokens_details: { cached_tokens: 0 },
    });
    expect(convertOpenAIUsage({})).toMatchObject({ prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 });
  });
});
