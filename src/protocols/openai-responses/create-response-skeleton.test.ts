import { describe, expect, it } from 'vitest';
import { createResponseSkeleton } from './create-response-skeleton.ts';
import { responsesRequestSchema } from './openai-responses-wire.ts';

const IDENTITY = { id: 'resp_test01', createdAt: 1_700_000_000, model: 'sonnet' };

function skeleton(request: Record<string, unknown>) {
  return createResponseSkeleton(responsesRequestSchema.parse({ model: 'sonnet', input: 'hi', ...request }), IDENTITY);
}

describe('createResponseSkeleton', () => {
  it('starts in progress with no output, stores nothing and points at no earlier response', () => {
    expect(skeleton({})).toMatchObject({
      id: 'resp_test01',
      object: 'response',
      created_at: 1_700_000_000,
      model: 'sonnet',
      status: 'in_progress',
      output: [],
      store: false,
      previous_response_id: null,
      background: false,
    });
    expect(skeleton({ store: true }).store).toBe(false);
  });

  it('echoes the settings as sent, with the text format defaulting to text', () => {
    expect(
      skeleton({
        instructions: 'Be brief.',
        temperature: 0.2,
        top_p: 0.5,
        tool_choice: { type: 'function', name: 'f' },
        parallel_tool_calls: false,
        text: { verbosity: 'low' },
        truncation: 'auto',
        user: 'u1',
        safety_identifier: 's1',
        prompt_cache_key: 'k1',
        reasoning: { effort: 'high', generate_summary: 'concise' },
      }),
    ).toMatchObject({
      instructions: 'Be brief.',
      temperature: 0.2,
      top_p: 0.5,
      tool_choice: { type: 'function', name: 'f' },
      parallel_tool_calls: false,
      text: { format: { type: 'text' }, verbosity: 'low' },
      truncation: 'auto',
      user: 'u1',
      safety_identifier: 's1',
      prompt_cache_key: 'k1',
      reasoning: { effort: 'high', summary: 'concise' },
    });
  });

  it('echoes only the function tools, which are the ones the model was given', () => {
    expect(
      skeleton({ tools: [{ type: 'web_search' }, { type: 'function', name: 'f', description: 'd', parameters: { type: 'object' }, strict: false }] }).tools,
    ).toEqual([{ type: 'function', name: 'f', description: 'd', parameters: { type: 'object' }, strict: false }]);
  });
});
