import type { RawMessageStreamEvent } from '@anthropic-ai/sdk/resources/messages';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { decodeReasoningAsThinking } from './encode-thinking-as-reasoning.ts';
import { fixtureEvents, ev, messageStart, textBlock, thinkingBlock, toolBlock, messageEnd } from '../../../test/support/anthropic-events.ts';
import { ProxyError } from '../../errors.ts';
import {
  createOpenAIResponsesStreamState,
  failOpenAIResponsesEvents,
  finishOpenAIResponsesEvents,
  stepOpenAIResponsesEvents,
  type OpenAIResponsesStreamState,
} from './convert-anthropic-events-to-openai-responses-events.ts';
import { createResponseSkeleton } from './create-response-skeleton.ts';
import { mapProxyErrorToResponseFailure } from './map-proxy-error-to-response-failure.ts';
import { responsesRequestSchema, type ResponsesStreamEvent } from './openai-responses-wire.ts';

const RESPONSE_ID = 'resp_test01';
const CREATED_AT = 1_700_000_000;
const FIXTURE_MODEL = 'claude-sonnet-4-6';

// ---------------------------------------------------------------------------------------------------------------
// Event sources

function newState(reasoningSummary = true, request: Record<string, unknown> = {}): OpenAIResponsesStreamState {
  const body = responsesRequestSchema.parse({ model: 'sonnet', input: 'hi', ...request });
  return createOpenAIResponsesStreamState({
    response: createResponseSkeleton(body, { id: RESPONSE_ID, createdAt: CREATED_AT, model: 'sonnet' }),
    reasoningSummary,
  });
}

function toEvents(events: readonly RawMessageStreamEvent[], reasoningSummary = true, request: Record<string, unknown> = {}): ResponsesStreamEvent[] {
  const state = newState(reasoningSummary, request);
  return events.flatMap((event) => stepOpenAIResponsesEvents(state, event));
}

const types = (events: readonly ResponsesStreamEvent[]) => events.map((event) => event.type);

/** The invariants every stream keeps, whatever the scenario (api-conformance.md 3). */
function expectWellFormed(events: readonly ResponsesStreamEvent[]): void {
  expect(events.map((event) => event.sequence_number)).toEqual(events.map((_, index) => index));
  expect(types(events).slice(0, 2)).toEqual(['response.created', 'response.in_progress']);
  // One terminal event, followed by nothing but the error event of a failure.
  const terminals = ['response.completed', 'response.incomplete', 'response.failed'];
  expect(types(events).filter((type) => terminals.includes(type))).toHaveLength(1);
  const terminal = events.findIndex((event) => terminals.includes(event.type));
  expect(types(events.slice(terminal + 1)).every((type) => type === 'error')).toBe(true);
  // Items are added in order, and everything about an item lies between its added and its done.
  const added = events.filter((event) => event.type === 'response.output_item.added');
  expect(added.map((event) => event.output_index)).toEqual(added.map((_, index) => index));
  for (const [index, event] of events.entries()) {
    if (!('output_index' in event)) continue;
    const addedAt = events.findIndex((other) => other.type === 'response.output_item.added' && other.output_index === event.output_index);
    const doneAt = events.findIndex((other) => other.type === 'response.output_item.done' && other.output_index === event.output_index);
    expect(addedAt).toBeGreaterThanOrEqual(0);
    expect(index).toBeGreaterThanOrEqual(addedAt);
    if (doneAt >= 0) expect(index).toBeLessThanOrEqual(doneAt);
  }
  // A finished response holds exactly the items as their done events gave them.
  const last = events[terminal]!;
  if (last.type === 'response.completed' || last.type === 'response.incomplete') {
    expect(last.response.output).toEqual(events.flatMap((event) => (event.type === 'response.output_item.done' ? [event.item] : [])));
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The openai SDK's own accumulator

/** The events as the proxy writes them on the wire: `event:` + `data:` frames, no [DONE]. */
function sseStream(events: readonly unknown[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const frames = events.map((event) => `event: ${(event as { type: string }).type}\ndata: ${JSON.stringify(event)}\n\n`);
  return new ReadableStream<Uint8Array>({
    start(controller) {
      for (const frame of frames) controller.enqueue(encoder.encode(frame));
      controller.close();
    },
  });
}

/**
 * Feeds the events through the real openai SDK: its SSE decoder and `client.responses.stream()`'s ResponseStream
 * accumulator, which throws on events out of order or pointing at missing items. (`ResponseStream.fromReadableStream`
 * reads the SDK's own NDJSON format, not SSE, so a client with a stub fetch is the faithful entry point.)
 */
async function runSdk(events: readonly unknown[]) {
  const client = new OpenAI({
    apiKey: 'test-key',
    baseURL: 'http://proxy.invalid/v1',
    maxRetries: 0,
    fetch: async () => new Response(sseStream(events), { status: 200, headers: { 'content-type': 'text/event-stream' } }),
  });
  const stream = client.responses.stream({ model: 'sonnet', input: 'hi' });
  const textDeltas: string[] = [];
  const argumentDeltas: string[] = [];
  stream.on('response.output_text.delta', (event) => textDeltas.push(event.delta));
  stream.on('response.function_call_arguments.delta', (event) => argumentDeltas.push(event.delta));
  const response = await stream.finalResponse();
  return { response, textDeltas, argumentDeltas };
}

// ---------------------------------------------------------------------------------------------------------------

describe('stepOpenAIResponsesEvents on the recorded text turn', () => {
  const events = fixtureEvents('text');

  it('gives the golden event sequence', () => {
    const converted = toEvents(events);
    expect(types(converted)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      'response.output_text.delta',
      'response.output_text.delta',
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.completed',
    ]);
    expectWellFormed(converted);
    const location = { item_id: 'msg_test01_0', output_index: 0, content_index: 0 };
    expect(converted.slice(2, 10)).toEqual([
      {
        type: 'response.output_item.added',
        sequence_number: 2,
        output_index: 0,
        item: { id: 'msg_test01_0', type: 'message', role: 'assistant', status: 'in_progress', content: [] },
      },
      { type: 'response.content_part.added', sequence_number: 3, ...location, part: { type: 'output_text', text: '', annotations: [], logprobs: [] } },
      { type: 'response.output_text.delta', sequence_number: 4, ...location, delta: 'Hello', logprobs: [] },
      { type: 'response.output_text.delta', sequence_number: 5, ...location, delta: ' from the', logprobs: [] },
      { type: 'response.output_text.delta', sequence_number: 6, ...location, delta: ' fake upstream.', logprobs: [] },
      { type: 'response.output_text.done', sequence_number: 7, ...location, text: 'Hello from the fake upstream.', logprobs: [] },
      {
        type: 'response.content_part.done',
        sequence_number: 8,
        ...location,
        part: { type: 'output_text', text: 'Hello from the fake upstream.', annotations: [], logprobs: [] },
      },
      {
        type: 'response.output_item.done',
        sequence_number: 9,
        output_index: 0,
        item: {
          id: 'msg_test01_0',
          type: 'message',
          role: 'assistant',
          status: 'completed',
          content: [{ type: 'output_text', text: 'Hello from the fake upstream.', annotations: [], logprobs: [] }],
        },
      },
    ]);
  });

  it('starts with the response in progress, empty, under the upstream model, and ends with it complete with usage', () => {
    const converted = toEvents(events);
    expect(converted[0]).toMatchObject({
      type: 'response.created',
      response: { id: RESPONSE_ID, created_at: CREATED_AT, status: 'in_progress', model: FIXTURE_MODEL, output: [], store: false },
    });
    expect(converted[0]!.type === 'response.created' && converted[0]!.response.usage).toBeUndefined();
    expect(converted.at(-1)).toMatchObject({
      type: 'response.completed',
      response: {
        id: RESPONSE_ID,
        status: 'completed',
        incomplete_details: null,
        model: FIXTURE_MODEL,
        usage: { input_tokens: 12, input_tokens_details: { cached_tokens: 0 }, output_tokens: 5, total_tokens: 17 },
      },
    });
  });

  it('is accepted by the openai SDK ResponseStream, and output_text works', async () => {
    const { response, textDeltas } = await runSdk(toEvents(events));
    expect(textDeltas).toEqual(['Hello', ' from the', ' fake upstream.']);
    expect(response.output_text).toBe('Hello from the fake upstream.');
    expect(response).toMatchObject({ id: RESPONSE_ID, status: 'completed', model: FIXTURE_MODEL, usage: { total_tokens: 17 } });
  });
});

describe('stepOpenAIResponsesEvents on the recorded thinking-and-text turn', () => {
  const events = fixtureEvents('thinking-and-text');

  it('gives a reasoning item with the thinking as its summary, then the message, when summaries are asked for', () => {
    const converted = toEvents(events, true);
    expectWellFormed(converted);
    expect(types(converted).slice(2, 9)).toEqual([
      'response.output_item.added',
      'response.reasoning_summary_part.added',
      'response.reasoning_summary_text.delta',
      'response.reasoning_summary_text.done',
      'response.reasoning_summary_part.done',
      'response.output_item.done',
      'response.output_item.added',
    ]);
    const location = { item_id: 'rs_test01_0', output_index: 0, summary_index: 0 };
    expect(converted[4]).toEqual({ type: 'response.reasoning_summary_text.delta', sequence_number: 4, ...location, delta: 'The user wants a short answer.' });
    expect(converted[7]).toEqual({
      type: 'response.output_item.done',
      sequence_number: 7,
      output_index: 0,
      item: {
        id: 'rs_test01_0',
        type: 'reasoning',
        summary: [{ type: 'summary_text', text: 'The user wants a short answer.' }],
        encrypted_content: expect.stringMatching(/^claude-cli-proxy\.thinking\.v1:/),
      },
    });
  });

  it('carries the thinking block in encrypted_content, and redacted thinking as a complete reasoning item', async () => {
    const converted = toEvents(
      [
        messageStart(),
        ...thinkingBlock(0, 'Think.'),
        ev({ type: 'content_block_start', index: 1, content_block: { type: 'redacted_thinking', data: 'opaque' } }),
        ev({ type: 'content_block_stop', index: 1 }),
        ...textBlock(2, 'Hi.'),
        ...messageEnd('end_turn'),
      ],
      false,
    );
    expectWellFormed(converted);
    const done = converted
      .filter((event) => event.type === 'response.output_item.done')
      .map((event) => (event as { item: { encrypted_content?: string } }).item);
    expect(decodeReasoningAsThinking(done[0]!.encrypted_content)).toEqual({ type: 'thinking', thinking: 'Think.', signature: 'c2ln' });
    expect(decodeReasoningAsThinking(done[1]!.encrypted_content)).toEqual({ type: 'redacted_thinking', data: 'opaque' });
    expect((await runSdk(converted)).response.output.map((item) => item.type)).toEqual(['reasoning', 'reasoning', 'message']);
  });

  it('gives a reasoning item without summary events when summaries are not asked for', () => {
    const converted = toEvents(events, false);
    expectWellFormed(converted);
    expect(types(converted).filter((type) => type.startsWith('response.reasoning'))).toEqual([]);
    expect(converted.find((event) => event.type === 'response.output_item.done')).toMatchObject({ item: { type: 'reasoning', summary: [] } });
  });

  it('is accepted by the openai SDK ResponseStream', async () => {
    const { response } = await runSdk(toEvents(events, true));
    expect(response.output.map((item) => item.type)).toEqual(['reasoning', 'message']);
    expect(response.output[0]).toMatchObject({ summary: [{ type: 'summary_text', text: 'The user wants a short answer.' }] });
    expect(response.output_text).toBe('Four.');
  });
});

describe('stepOpenAIResponsesEvents on the recorded tool-use turn', () => {
  const events = fixtureEvents('tool-use');

  it('streams text, then the function call (added, argument deltas, done with name), then completes', () => {
    const converted = toEvents(events);
    expectWellFormed(converted);
    const call = converted.filter((event) => 'output_index' in event && event.output_index === 1);
    expect(call).toEqual([
      {
        type: 'response.output_item.added',
        sequence_number: 8,
        output_index: 1,
        item: { id: 'fc_test01_1', type: 'function_call', call_id: 'toolu_fixture01', name: 'get_weather', arguments: '', status: 'in_progress' },
      },
      { type: 'response.function_call_arguments.delta', sequence_number: 9, item_id: 'fc_test01_1', output_index: 1, delta: '{"city":"Paris",' },
      { type: 'response.function_call_arguments.delta', sequence_number: 10, item_id: 'fc_test01_1', output_index: 1, delta: '"unit":"celsius"}' },
      {
        type: 'response.function_call_arguments.done',
        sequence_number: 11,
        item_id: 'fc_test01_1',
        output_index: 1,
        name: 'get_weather',
        arguments: '{"city":"Paris","unit":"celsius"}',
      },
      {
        type: 'response.output_item.done',
        sequence_number: 12,
        output_index: 1,
        item: {
          id: 'fc_test01_1',
          type: 'function_call',
          call_id: 'toolu_fixture01',
          name: 'get_weather',
          arguments: '{"city":"Paris","unit":"celsius"}',
          status: 'completed',
        },
      },
    ]);
    expect(converted.at(-1)).toMatchObject({
      type: 'response.completed',
      response: { status: 'completed', usage: { input_tokens: 30, output_tokens: 17, total_tokens: 47 } },
    });
  });

  it('is accepted by the openai SDK ResponseStream', async () => {
    const { response, argumentDeltas } = await runSdk(toEvents(events));
    expect(argumentDeltas).toEqual(['{"city":"Paris",', '"unit":"celsius"}']);
    expect(response.output_text).toBe('Let me check.');
    expect(response.output[1]).toMatchObject({
      id: 'fc_test01_1',
      type: 'function_call',
      call_id: 'toolu_fixture01',
      name: 'get_weather',
      arguments: '{"city":"Paris","unit":"celsius"}',
      status: 'completed',
    });
  });
});

describe('the openai SDK harness itself', () => {
  // Negative controls: the SDK check above would catch the mistakes api-conformance.md 3 names.
  const events = fixtureEvents('text');
  it.each<[string, (events: any[]) => any[], RegExp]>([
    ['response.created first', (converted) => converted.slice(1), /expected 'response.created'/],
    ['content_part.added before a delta', (converted) => converted.filter((event) => event.type !== 'response.content_part.added'), /missing content/],
    [
      'output_item.added before a delta',
      (converted) => converted.filter((event) => event.type !== 'response.output_item.added' && event.type !== 'response.content_part.added'),
      /missing output/,
    ],
  ])('rejects a stream without %s', async (_name, mutate, message) => {
    await expect(runSdk(mutate(structuredClone(toEvents(events))))).rejects.toThrow(message);
  });
});

describe('stepOpenAIResponsesEvents on hand-built sequences', () => {
  it('gives each block its own output item, in order, with parallel calls', () => {
    const converted = toEvents([
      messageStart(),
      ...thinkingBlock(0, 'Two ', 'lookups.'),
      ...textBlock(1, 'Checking both.'),
      ...toolBlock(2, 'toolu_a', 'get_weather', '{"city":', '"Paris"}'),
      ...toolBlock(3, 'toolu_b', 'get_time'),
      ...messageEnd('tool_use'),
    ]);
    expectWellFormed(converted);
    const final = converted.at(-1)!;
    expect(final.type === 'response.completed' && final.response.output).toEqual([
      {
        id: 'rs_test01_0',
        type: 'reasoning',
        summary: [{ type: 'summary_text', text: 'Two lookups.' }],
        encrypted_content: expect.stringMatching(/^claude-cli-proxy\.thinking\.v1:/),
      },
      {
        id: 'msg_test01_1',
        type: 'message',
        role: 'assistant',
        status: 'completed',
        content: [{ type: 'output_text', text: 'Checking both.', annotations: [], logprobs: [] }],
      },
      { id: 'fc_test01_2', type: 'function_call', call_id: 'toolu_a', name: 'get_weather', arguments: '{"city":"Paris"}', status: 'completed' },
      // A call without input fragments has the empty object as arguments.
      { id: 'fc_test01_3', type: 'function_call', call_id: 'toolu_b', name: 'get_time', arguments: '{}', status: 'completed' },
    ]);
  });

  it('gives no message for an empty text block, and drops empty deltas', () => {
    const converted = toEvents([
      messageStart(),
      ...textBlock(0),
      ...textBlock(1, '', 'A', ''),
      ...toolBlock(2, 'toolu_e', 'run', '', '{}'),
      ...messageEnd('tool_use'),
    ]);
    expectWellFormed(converted);
    expect(
      converted.filter((event) => event.type === 'response.output_item.added').map((event) => event.type === 'response.output_item.added' && event.item.type),
    ).toEqual(['message', 'function_call']);
    expect(
      converted.filter((event) => event.type === 'response.output_text.delta').map((event) => event.type === 'response.output_text.delta' && event.delta),
    ).toEqual(['A']);
    expect(converted.filter((event) => event.type === 'response.function_call_arguments.delta')).toHaveLength(1);
  });

  it.each([
    ['max_tokens', 'response.incomplete', 'incomplete', { reason: 'max_output_tokens' }],
    ['model_context_window_exceeded', 'response.incomplete', 'incomplete', { reason: 'max_output_tokens' }],
    ['refusal', 'response.incomplete', 'incomplete', { reason: 'content_filter' }],
    ['end_turn', 'response.completed', 'completed', null],
    ['stop_sequence', 'response.completed', 'completed', null],
    ['tool_use', 'response.completed', 'completed', null],
  ])('ends a %s stop with %s', (stopReason, type, status, details) => {
    const converted = toEvents([messageStart(), ...textBlock(0, 'Partial'), ...messageEnd(stopReason)]);
    expectWellFormed(converted);
    expect(converted.at(-1)).toMatchObject({ type, response: { status, incomplete_details: details } });
  });

  it('a max_tokens stop is accepted by the SDK as an incomplete response with its text', async () => {
    const { response } = await runSdk(toEvents([messageStart(), ...textBlock(0, 'Once upon'), ...messageEnd('max_tokens')]));
    expect(response.status).toBe('incomplete');
    expect(response.incomplete_details).toEqual({ reason: 'max_output_tokens' });
    expect(response.output_text).toBe('Once upon');
  });

  it('counts cached tokens as input and reports cache reads and writes', () => {
    const converted = toEvents([
      messageStart({ input_tokens: 10, cache_read_input_tokens: 100, cache_creation_input_tokens: 20, output_tokens: 1 }),
      ...textBlock(0, 'Hi'),
      // Cumulative counters: null fields keep the message_start values, present ones overwrite.
      ...messageEnd('end_turn', { input_tokens: null, cache_read_input_tokens: null, cache_creation_input_tokens: null, output_tokens: 7 }),
    ]);
    const final = converted.at(-1)!;
    expect(final.type === 'response.completed' && final.response.usage).toEqual({
      input_tokens: 130,
      input_tokens_details: { cached_tokens: 100, cache_write_tokens: 20 },
      output_tokens: 7,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: 137,
    });
  });

  it('echoes the request settings in every response snapshot', () => {
    const converted = toEvents([messageStart(), ...textBlock(0, 'x'), ...messageEnd('end_turn')], true, {
      instructions: 'Be brief.',
      max_output_tokens: 99,
      metadata: { trace: 't1' },
      reasoning: { effort: 'low', summary: 'auto' },
      tools: [{ type: 'function', name: 'f', parameters: { type: 'object' } }, { type: 'web_search' }],
    });
    for (const event of [converted[0]!, converted.at(-1)!]) {
      expect(event).toMatchObject({
        response: {
          instructions: 'Be brief.',
          max_output_tokens: 99,
          metadata: { trace: 't1' },
          reasoning: { effort: 'low', summary: 'auto' },
          tools: [{ type: 'function', name: 'f', description: null, parameters: { type: 'object' }, strict: null }],
          tool_choice: 'auto',
          parallel_tool_calls: true,
          previous_response_id: null,
          store: false,
        },
      });
    }
  });

  it('finishes exactly once: finishOpenAIResponsesEvents and later events after message_stop add nothing', () => {
    const state = newState();
    const converted = [messageStart(), ...textBlock(0, 'x'), ...messageEnd('end_turn')].flatMap((event) => stepOpenAIResponsesEvents(state, event));
    expect(finishOpenAIResponsesEvents(state)).toEqual([]);
    expect(stepOpenAIResponsesEvents(state, ev({ type: 'message_stop' }))).toEqual([]);
    expect(failOpenAIResponsesEvents(state, mapProxyErrorToResponseFailure(new ProxyError('api_error', 'late')))).toEqual([]);
    expectWellFormed(converted);
  });

  it('finishOpenAIResponsesEvents closes the items still open', () => {
    const state = newState();
    const converted = [
      messageStart(),
      ev({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }),
      ev({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'x' } }),
    ].flatMap((event) => stepOpenAIResponsesEvents(state, event));
    converted.push(...finishOpenAIResponsesEvents(state));
    expectWellFormed(converted);
    expect(types(converted).slice(-4)).toEqual(['response.output_text.done', 'response.content_part.done', 'response.output_item.done', 'response.completed']);
  });

  it('rejects events before message_start', () => {
    expect(() => stepOpenAIResponsesEvents(newState(), ev({ type: 'message_stop' }))).toThrow(/before message_start/);
  });
});

describe('failOpenAIResponsesEvents', () => {
  const failure = mapProxyErrorToResponseFailure(new ProxyError('rate_limit', 'rate limited by the upstream', { retryAfterSeconds: 7 }));

  it('ends a started stream with response.failed (the partial output, cut off) and an error event, continuing the numbers', () => {
    const state = newState();
    const converted = [
      messageStart(),
      ...textBlock(0, 'Done.'),
      ...toolBlock(1, 'toolu_x', 'run'),
      ev({ type: 'content_block_start', index: 2, content_block: { type: 'text', text: '' } }),
      ev({ type: 'content_block_delta', index: 2, delta: { type: 'text_delta', text: 'Half' } }),
    ].flatMap((event) => stepOpenAIResponsesEvents(state, event));
    converted.push(...failOpenAIResponsesEvents(state, failure));
    expectWellFormed(converted);
    const [failed, error] = converted.slice(-2);
    expect(failed).toMatchObject({
      type: 'response.failed',
      response: {
        status: 'failed',
        error: { code: 'rate_limit_exceeded', message: 'rate limited by the upstream Please try again in 7s.' },
        output: [
          { type: 'message', status: 'completed', content: [{ text: 'Done.' }] },
          { type: 'function_call', status: 'completed' },
          { type: 'message', status: 'incomplete', content: [{ text: 'Half' }] },
        ],
      },
    });
    expect(error).toEqual({
      type: 'error',
      sequence_number: converted.length - 1,
      code: 'rate_limit_exceeded',
      message: 'rate limited by the upstream Please try again in 7s.',
      param: null,
      error: { type: 'requests', code: 'rate_limit_exceeded', message: 'rate limited by the upstream Please try again in 7s.', param: null },
    });
  });

  it('starts the response first when nothing was sent yet, so the SDK can read the failure', () => {
    const converted = failOpenAIResponsesEvents(newState(), failure);
    expect(types(converted)).toEqual(['response.created', 'response.in_progress', 'response.failed', 'error']);
    expectWellFormed(converted);
  });

  it('makes the openai SDK throw an APIError with the message', async () => {
    const state = newState();
    const converted = [messageStart(), ...textBlock(0, 'par')].flatMap((event) => stepOpenAIResponsesEvents(state, event));
    converted.push(...failOpenAIResponsesEvents(state, failure));
    const error = await runSdk(converted).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect((error as InstanceType<typeof OpenAI.APIError>).message).toContain('Please try again in 7s.');
    expect((error as InstanceType<typeof OpenAI.APIError>).code).toBe('rate_limit_exceeded');
  });
});
