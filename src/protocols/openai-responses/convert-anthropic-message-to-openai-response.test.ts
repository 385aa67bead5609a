import type { Message } from '@anthropic-ai/sdk/resources/messages';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { encodeThinkingAsReasoning } from './encode-thinking-as-reasoning.ts';
import { convertAnthropicMessageToOpenAIResponse } from './convert-anthropic-message-to-openai-response.ts';
import { createResponseSkeleton } from './create-response-skeleton.ts';
import { responsesRequestSchema } from './openai-responses-wire.ts';

function message(content: unknown[], stopReason: string | null = 'end_turn', usage: Record<string, unknown> = { input_tokens: 10, output_tokens: 5 }): Message {
  return {
    id: 'msg_01',
    type: 'message',
    role: 'assistant',
    model: 'claude-sonnet-4-6',
    content,
    stop_reason: stopReason,
    stop_sequence: null,
    usage,
  } as unknown as Message;
}

function skeleton(request: Record<string, unknown> = {}) {
  return createResponseSkeleton(responsesRequestSchema.parse({ model: 'sonnet', input: 'hi', ...request }), {
    id: 'resp_test01',
    createdAt: 1_700_000_000,
    model: 'sonnet',
  });
}

function convert(content: unknown[], options: { stopReason?: string | null; reasoningSummary?: boolean; request?: Record<string, unknown> } = {}) {
  return convertAnthropicMessageToOpenAIResponse(message(content, options.stopReason), {
    skeleton: skeleton(options.request),
    reasoningSummary: options.reasoningSummary ?? true,
  });
}

/** What the openai SDK makes of the JSON body (it adds output_text on the client). */
async function throughSdk(body: unknown) {
  const client = new OpenAI({ apiKey: 'k', baseURL: 'http://proxy.invalid/v1', maxRetries: 0, fetch: async () => Response.json(body) });
  return client.responses.create({ model: 'sonnet', input: 'hi' });
}

describe('convertAnthropicMessageToOpenAIResponse', () => {
  it('gives the golden response for a text reply', () => {
    expect(convert([{ type: 'text', text: 'Hello.' }])).toEqual({
      id: 'resp_test01',
      object: 'response',
      created_at: 1_700_000_000,
      status: 'completed',
      background: false,
      error: null,
      incomplete_details: null,
      instructions: null,
      max_output_tokens: null,
      metadata: {},
      model: 'claude-sonnet-4-6',
      output: [
        {
          id: 'msg_test01_0',
          type: 'message',
          role: 'assistant',
          status: 'completed',
          content: [{ type: 'output_text', text: 'Hello.', annotations: [], logprobs: [] }],
        },
      ],
      parallel_tool_calls: true,
      previous_response_id: null,
      reasoning: { effort: null, summary: null },
      store: false,
      temperature: null,
      text: { format: { type: 'text' } },
      tool_choice: 'auto',
      tools: [],
      top_p: null,
      truncation: 'disabled',
      usage: {
        input_tokens: 10,
        input_tokens_details: { cached_tokens: 0, cache_write_tokens: 0 },
        output_tokens: 5,
        output_tokens_details: { reasoning_tokens: 0 },
        total_tokens: 15,
      },
    });
  });

  it('gives reasoning, message and function call items in order, with the stream ids', () => {
    const response = convert(
      [
        { type: 'thinking', thinking: 'Look it up.', signature: 'sig' },
        { type: 'text', text: 'Checking.' },
        { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Paris' } },
        { type: 'tool_use', id: 'toolu_2', name: 'now', input: {} },
      ],
      { stopReason: 'tool_use' },
    );
    expect(response.status).toBe('completed');
    expect(response.output).toEqual([
      {
        id: 'rs_test01_0',
        type: 'reasoning',
        summary: [{ type: 'summary_text', text: 'Look it up.' }],
        encrypted_content: expect.stringMatching(/^claude-cli-proxy\.thinking\.v1:/),
      },
      {
        id: 'msg_test01_1',
        type: 'message',
        role: 'assistant',
        status: 'completed',
        content: [{ type: 'output_text', text: 'Checking.', annotations: [], logprobs: [] }],
      },
      { id: 'fc_test01_2', type: 'function_call', call_id: 'toolu_1', name: 'get_weather', arguments: '{"city":"Paris"}', status: 'completed' },
      { id: 'fc_test01_3', type: 'function_call', call_id: 'toolu_2', name: 'now', arguments: '{}', status: 'completed' },
    ]);
  });

  it('keeps the thinking text out of the summary when none was asked for, carries thinking and redacted thinking for the round trip, and skips empty text', () => {
    const response = convert(
      [
        { type: 'thinking', thinking: 'secret', signature: 's' },
        { type: 'text', text: '' },
        { type: 'redacted_thinking', data: 'x' },
      ],
      { reasoningSummary: false },
    );
    expect(response.output).toEqual([
      {
        id: 'rs_test01_0',
        type: 'reasoning',
        summary: [],
        encrypted_content: encodeThinkingAsReasoning({ type: 'thinking', thinking: 'secret', signature: 's' }),
      },
      { id: 'rs_test01_1', type: 'reasoning', summary: [], encrypted_content: encodeThinkingAsReasoning({ type: 'redacted_thinking', data: 'x' }) },
    ]);
  });

  it.each([
    ['max_tokens', 'incomplete', { reason: 'max_output_tokens' }],
    ['refusal', 'incomplete', { reason: 'content_filter' }],
    ['end_turn', 'completed', null],
  ])('reports stop_reason %s as status %s', (stopReason, status, details) => {
    expect(convert([{ type: 'text', text: 'x' }], { stopReason })).toMatchObject({ status, incomplete_details: details });
  });

  it('is read by the openai SDK, whose output_text helper joins the message texts', async () => {
    const body = convert([
      { type: 'thinking', thinking: 't', signature: 's' },
      { type: 'text', text: 'One. ' },
      { type: 'text', text: 'Two.' },
    ]);
    const response = await throughSdk(body);
    expect(response.output_text).toBe('One. Two.');
    expect(response.usage?.total_tokens).toBe(15);
  });
});
