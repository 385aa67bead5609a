import type { RawMessageStreamEvent } from '@anthropic-ai/sdk/resources/messages';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { fixtureEvents, ev, messageStart, textBlock, thinkingBlock, toolBlock, messageEnd } from '../../../test/support/anthropic-events.ts';
import { createOpenAIChatStreamState, finishOpenAIChatChunks, stepOpenAIChatChunks } from './convert-anthropic-events-to-openai-chat-chunks.ts';
import type { ChatCompletionChunk } from './openai-chat-wire.ts';

const ID = 'chatcmpl-test0001';
const CREATED = 1_700_000_000;
/** The model the request named; the chunks must carry the one message_start reports instead. */
const REQUESTED_MODEL = 'sonnet';
const FIXTURE_MODEL = 'claude-sonnet-4-6';

// ---------------------------------------------------------------------------------------------------------------
// Event sources

function toChunks(events: readonly RawMessageStreamEvent[], includeUsage: boolean): ChatCompletionChunk[] {
  const state = createOpenAIChatStreamState({ id: ID, created: CREATED, includeUsage, model: REQUESTED_MODEL });
  return events.flatMap((event) => stepOpenAIChatChunks(state, event));
}

// ---------------------------------------------------------------------------------------------------------------
// Views on the chunks

type Delta = Record<string, any>;

function choiceChunks(chunks: readonly ChatCompletionChunk[]): ChatCompletionChunk[] {
  return chunks.filter((chunk) => chunk.choices.length > 0);
}

function deltas(chunks: readonly ChatCompletionChunk[]): Delta[] {
  return choiceChunks(chunks).map((chunk) => chunk.choices[0]!.delta as Delta);
}

function contents(chunks: readonly ChatCompletionChunk[]): string[] {
  return deltas(chunks)
    .slice(1)
    .filter((delta) => 'content' in delta)
    .map((delta) => delta.content as string);
}

function reasoning(chunks: readonly ChatCompletionChunk[]): string[] {
  return deltas(chunks)
    .filter((delta) => 'reasoning_content' in delta)
    .map((delta) => delta.reasoning_content as string);
}

function toolFragments(chunks: readonly ChatCompletionChunk[]): any[] {
  return deltas(chunks).flatMap((delta) => (delta.tool_calls as any[] | undefined) ?? []);
}

function finishReasons(chunks: readonly ChatCompletionChunk[]): (string | null)[] {
  return choiceChunks(chunks).map((chunk) => chunk.choices[0]!.finish_reason);
}

/** The invariants every stream must keep, whatever the scenario (api-conformance.md 2.3). */
function expectWellFormed(chunks: readonly ChatCompletionChunk[], includeUsage: boolean): void {
  expect(chunks.length).toBeGreaterThanOrEqual(2);
  // Same id/created/model/object everywhere.
  for (const chunk of chunks) {
    expect(chunk.id).toBe(ID);
    expect(chunk.created).toBe(CREATED);
    expect(chunk.model).toBe(chunks[0]!.model);
    expect(chunk.object).toBe('chat.completion.chunk');
  }
  const withChoices = choiceChunks(chunks);
  // The first delta is exactly the role chunk; no other delta carries a role.
  expect(withChoices[0]!.choices[0]!.delta).toEqual({ role: 'assistant', content: '' });
  for (const delta of deltas(chunks).slice(1)) expect(delta).not.toHaveProperty('role');
  // Every choice is index 0 with logprobs null.
  for (const chunk of withChoices) {
    expect(chunk.choices).toHaveLength(1);
    expect(chunk.choices[0]!.index).toBe(0);
  }
  // No empty content or reasoning deltas after the role chunk.
  for (const text of contents(chunks)) expect(text).not.toBe('');
  for (const text of reasoning(chunks)) expect(text).not.toBe('');
  // Exactly one finish_reason, on the last chunk with choices, with an empty delta.
  const reasons = finishReasons(chunks);
  expect(reasons.filter((reason) => reason != null)).toHaveLength(1);
  expect(reasons.at(-1)).not.toBeNull();
  expect(withChoices.at(-1)!.choices[0]!.delta).toEqual({});
  // Tool-call fragments: first one per index complete, later ones only index + arguments; indices contiguous.
  const seen: number[] = [];
  for (const fragment of toolFragments(chunks)) {
    expect(typeof fragment.index).toBe('number');
    if (!seen.includes(fragment.index)) {
      expect(fragment.index).toBe(seen.length);
      seen.push(fragment.index);
      expect(Object.keys(fragment).sort()).toEqual(['function', 'id', 'index', 'type']);
      expect(typeof fragment.id).toBe('string');
      expect(fragment.id).not.toBe('');
      expect(fragment.type).toBe('function');
      expect(Object.keys(fragment.function).sort()).toEqual(['arguments', 'name']);
      expect(fragment.function.arguments).toBe('');
      expect(typeof fragment.function.name).toBe('string');
    } else {
      // Contiguous: a fragment only continues the latest call.
      expect(fragment.index).toBe(seen.at(-1));
      expect(Object.keys(fragment).sort()).toEqual(['function', 'index']);
      expect(Object.keys(fragment.function)).toEqual(['arguments']);
      expect(fragment.function.arguments).not.toBe('');
    }
  }
  // Usage.
  if (includeUsage) {
    const last = chunks.at(-1)!;
    expect(last.choices).toEqual([]);
    expect(last.usage != null).toBe(true);
    for (const chunk of chunks.slice(0, -1)) {
      expect(chunk).toHaveProperty('usage');
      expect(chunk.usage).toBeNull();
      expect(chunk.choices).toHaveLength(1);
    }
  } else {
    for (const chunk of chunks) {
      expect(chunk).not.toHaveProperty('usage');
      expect(chunk.choices).toHaveLength(1);
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The openai SDK's own accumulator

/** The chunks as the proxy writes them on the wire: SSE `data:` frames, then `data: [DONE]`. */
function sseStream(chunks: readonly unknown[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const frames = [...chunks.map((chunk) => `data: ${JSON.stringify(chunk)}\n\n`), 'data: [DONE]\n\n'];
  return new ReadableStream<Uint8Array>({
    start(controller) {
      for (const frame of frames) controller.enqueue(encoder.encode(frame));
      controller.close();
    },
  });
}

/**
 * Feeds the chunks through the real openai SDK: its SSE decoder and `client.chat.completions.stream()`'s
 * ChatCompletionStream accumulator, which throws on a missing role, finish_reason, tool-call type or name.
 * (`ChatCompletionStream.fromReadableStream` reads the SDK's own NDJSON format, not SSE, so a client with a
 * stub fetch is the faithful entry point.)
 */
async function runSdk(chunks: readonly ChatCompletionChunk[]) {
  const client = new OpenAI({
    apiKey: 'test-key',
    baseURL: 'http://proxy.invalid/v1',
    maxRetries: 0,
    fetch: async () => new Response(sseStream(chunks), { status: 200, headers: { 'content-type': 'text/event-stream' } }),
  });
  const stream = client.chat.completions.stream({ model: REQUESTED_MODEL, messages: [{ role: 'user', content: 'hi' }] });
  const contentDeltas: string[] = [];
  const argumentsDone: { index: number; name: string; arguments: string }[] = [];
  stream.on('content', (delta) => contentDeltas.push(delta));
  stream.on('tool_calls.function.arguments.done', (event) => argumentsDone.push({ index: event.index, name: event.name, arguments: event.arguments }));
  const completion = await stream.finalChatCompletion();
  return { completion, contentDeltas, argumentsDone };
}

// ---------------------------------------------------------------------------------------------------------------

describe('stepOpenAIChatChunks on the recorded text turn', () => {
  const events = fixtureEvents('text');

  it('gives the golden chunk sequence without include_usage', () => {
    const base = { id: ID, object: 'chat.completion.chunk', created: CREATED, model: FIXTURE_MODEL };
    const choice = (delta: Delta, finish_reason: string | null = null) => ({ ...base, choices: [{ index: 0, delta, logprobs: null, finish_reason }] });
    expect(toChunks(events, false)).toEqual([
      choice({ role: 'assistant', content: '' }),
      choice({ content: 'Hello' }),
      choice({ content: ' from the' }),
      choice({ content: ' fake upstream.' }),
      choice({}, 'stop'),
    ]);
  });

  it('gives the golden chunk sequence with include_usage: usage null everywhere, then a usage-only chunk', () => {
    const base = { id: ID, object: 'chat.completion.chunk', created: CREATED, model: FIXTURE_MODEL };
    const choice = (delta: Delta, finish_reason: string | null = null) => ({
      ...base,
      choices: [{ index: 0, delta, logprobs: null, finish_reason }],
      usage: null,
    });
    const chunks = toChunks(events, true);
    expect(chunks.slice(0, -1)).toEqual([
      choice({ role: 'assistant', content: '' }),
      choice({ content: 'Hello' }),
      choice({ content: ' from the' }),
      choice({ content: ' fake upstream.' }),
      choice({}, 'stop'),
    ]);
    expect(chunks.at(-1)).toMatchObject({
      ...base,
      choices: [],
      usage: { prompt_tokens: 12, completion_tokens: 5, total_tokens: 17, prompt_tokens_details: { cached_tokens: 0 } },
    });
  });

  it.each([false, true])('keeps the stream invariants (include_usage %s)', (includeUsage) => {
    expectWellFormed(toChunks(events, includeUsage), includeUsage);
  });

  it('uses the model message_start reports, not the requested alias', () => {
    for (const chunk of toChunks(events, true)) expect(chunk.model).toBe(FIXTURE_MODEL);
  });

  it('is accepted by the openai SDK ChatCompletionStream', async () => {
    const { completion, contentDeltas } = await runSdk(toChunks(events, true));
    expect(contentDeltas).toEqual(['Hello', ' from the', ' fake upstream.']);
    expect(completion.id).toBe(ID);
    expect(completion.model).toBe(FIXTURE_MODEL);
    expect(completion.choices).toHaveLength(1);
    expect(completion.choices[0]!.message.role).toBe('assistant');
    expect(completion.choices[0]!.message.content).toBe('Hello from the fake upstream.');
    expect(completion.choices[0]!.message.tool_calls).toBeUndefined();
    expect(completion.choices[0]!.finish_reason).toBe('stop');
    expect(completion.usage).toMatchObject({ prompt_tokens: 12, completion_tokens: 5, total_tokens: 17 });
  });
});

describe('stepOpenAIChatChunks on the recorded thinking-and-text turn', () => {
  const events = fixtureEvents('thinking-and-text');

  it('relays thinking as reasoning_content and text as content, in order, dropping the signature', () => {
    const chunks = toChunks(events, false);
    expect(deltas(chunks)).toEqual([
      { role: 'assistant', content: '' },
      { reasoning_content: 'The user wants a short answer.' },
      { content: 'Fo' },
      { content: 'ur.' },
      {},
    ]);
    expect(finishReasons(chunks).at(-1)).toBe('stop');
  });

  it.each([false, true])('keeps the stream invariants (include_usage %s)', (includeUsage) => {
    expectWellFormed(toChunks(events, includeUsage), includeUsage);
  });

  // The SDK copies unknown delta fields with Object.assign: reasoning_content keeps only the LAST fragment, so this
  // check relies on the fixture's single thinking delta (the accumulation itself is asserted on the chunks above).
  it('is accepted by the openai SDK ChatCompletionStream (reasoning_content kept on the message)', async () => {
    const { completion, contentDeltas } = await runSdk(toChunks(events, false));
    expect(contentDeltas).toEqual(['Fo', 'ur.']);
    const message = completion.choices[0]!.message as any;
    expect(message.content).toBe('Four.');
    expect(message.reasoning_content).toBe('The user wants a short answer.');
    expect(completion.choices[0]!.finish_reason).toBe('stop');
  });
});

describe('stepOpenAIChatChunks on the recorded tool-use turn', () => {
  const events = fixtureEvents('tool-use');

  it('streams text, then the tool call (header fragment, then argument fragments), then finish_reason tool_calls', () => {
    const chunks = toChunks(events, false);
    expect(deltas(chunks)).toEqual([
      { role: 'assistant', content: '' },
      { content: 'Let me check.' },
      { tool_calls: [{ index: 0, id: 'toolu_fixture01', type: 'function', function: { name: 'get_weather', arguments: '' } }] },
      { tool_calls: [{ index: 0, function: { arguments: '{"city":"Paris",' } }] },
      { tool_calls: [{ index: 0, function: { arguments: '"unit":"celsius"}' } }] },
      {},
    ]);
    expect(finishReasons(chunks)).toEqual([null, null, null, null, null, 'tool_calls']);
  });

  it.each([false, true])('keeps the stream invariants (include_usage %s)', (includeUsage) => {
    expectWellFormed(toChunks(events, includeUsage), includeUsage);
  });

  it('reports the first message usage only', () => {
    expect(toChunks(events, true).at(-1)!.usage).toMatchObject({ prompt_tokens: 30, completion_tokens: 17, total_tokens: 47 });
  });

  it('is accepted by the openai SDK ChatCompletionStream', async () => {
    const { completion, contentDeltas, argumentsDone } = await runSdk(toChunks(events, true));
    expect(contentDeltas).toEqual(['Let me check.']);
    const choice = completion.choices[0]!;
    expect(choice.message.content).toBe('Let me check.');
    expect(choice.message.tool_calls).toEqual([
      { id: 'toolu_fixture01', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris","unit":"celsius"}' } },
    ]);
    expect(choice.finish_reason).toBe('tool_calls');
    expect(argumentsDone).toEqual([{ index: 0, name: 'get_weather', arguments: '{"city":"Paris","unit":"celsius"}' }]);
  });
});

describe('the openai SDK harness itself', () => {
  // Negative controls: the SDK check above would catch the omissions the brief names (api-conformance.md 2.3).
  const events = fixtureEvents('tool-use');
  type Mutation = (chunks: any[]) => void;
  const firstToolFragment = (chunks: any[]) => chunks.find((chunk) => chunk.choices[0]?.delta.tool_calls != null).choices[0].delta.tool_calls[0];
  it.each<[string, Mutation, RegExp]>([
    ['role', (chunks) => delete chunks[0].choices[0].delta.role, /missing role/],
    ['finish_reason', (chunks) => (chunks.at(-1).choices[0].finish_reason = null), /missing finish_reason/],
    ['tool call type', (chunks) => delete firstToolFragment(chunks).type, /type/],
  ])('rejects chunks missing the %s', async (_name, mutate, message) => {
    const chunks = structuredClone(toChunks(events, false)) as any[];
    mutate(chunks);
    await expect(runSdk(chunks)).rejects.toThrow(message);
  });

  it('turns a missing tool call name into an empty name (so the tool_calls assertions above catch it)', async () => {
    const chunks = structuredClone(toChunks(events, false)) as any[];
    delete firstToolFragment(chunks).function.name;
    const { completion } = await runSdk(chunks);
    const call = completion.choices[0]!.message.tool_calls![0]!;
    expect(call.type === 'function' ? call.function.name : undefined).toBe('');
  });
});

describe('stepOpenAIChatChunks on hand-built sequences', () => {
  const parallel = [
    messageStart(),
    ...thinkingBlock(0, 'Two lookups.'),
    ...textBlock(1, 'Checking both.'),
    ...toolBlock(2, 'toolu_a', 'get_weather', '{"city":', '"Paris"}'),
    ...toolBlock(3, 'toolu_b', 'get_time', '{"tz":"Europe/Paris"}'),
    ...messageEnd('tool_use'),
  ];

  it('gives parallel tool calls contiguous indices 0 and 1, whatever their block index', () => {
    const chunks = toChunks(parallel, false);
    expect(toolFragments(chunks)).toEqual([
      { index: 0, id: 'toolu_a', type: 'function', function: { name: 'get_weather', arguments: '' } },
      { index: 0, function: { arguments: '{"city":' } },
      { index: 0, function: { arguments: '"Paris"}' } },
      { index: 1, id: 'toolu_b', type: 'function', function: { name: 'get_time', arguments: '' } },
      { index: 1, function: { arguments: '{"tz":"Europe/Paris"}' } },
    ]);
    expect(finishReasons(chunks).at(-1)).toBe('tool_calls');
    expectWellFormed(chunks, false);
  });

  it('parallel tool calls are accepted by the openai SDK ChatCompletionStream', async () => {
    const { completion, argumentsDone } = await runSdk(toChunks(parallel, true));
    const choice = completion.choices[0]!;
    expect(choice.finish_reason).toBe('tool_calls');
    expect(choice.message.content).toBe('Checking both.');
    expect((choice.message as any).reasoning_content).toBe('Two lookups.');
    expect(choice.message.tool_calls).toEqual([
      { id: 'toolu_a', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
      { id: 'toolu_b', type: 'function', function: { name: 'get_time', arguments: '{"tz":"Europe/Paris"}' } },
    ]);
    expect(argumentsDone.map((done) => [done.index, done.name])).toEqual([
      [0, 'get_weather'],
      [1, 'get_time'],
    ]);
  });

  it.each([
    ['end_turn', 'stop'],
    ['max_tokens', 'length'],
    ['stop_sequence', 'stop'],
    ['refusal', 'content_filter'],
    ['model_context_window_exceeded', 'length'],
    ['pause_turn', 'stop'],
  ])('maps stop_reason %s to finish_reason %s', (stopReason, finishReason) => {
    const chunks = toChunks([messageStart(), ...textBlock(0, 'Partial'), ...messageEnd(stopReason)], false);
    expect(finishReasons(chunks)).toEqual([null, null, finishReason]);
    expectWellFormed(chunks, false);
  });

  it('maps stop_reason tool_use with a tool call to tool_calls', () => {
    const chunks = toChunks([messageStart(), ...toolBlock(0, 'toolu_x', 'run', '{}'), ...messageEnd('tool_use')], false);
    expect(finishReasons(chunks).at(-1)).toBe('tool_calls');
  });

  it('a max_tokens stop after a started tool call finishes with length, not tool_calls', () => {
    const chunks = toChunks([messageStart(), ...toolBlock(0, 'toolu_x', 'run', '{"a":'), ...messageEnd('max_tokens')], false);
    expect(finishReasons(chunks).at(-1)).toBe('length');
    expectWellFormed(chunks, false);
  });

  it('a max_tokens stop is accepted by the SDK with finish_reason length', async () => {
    const { completion } = await runSdk(toChunks([messageStart(), ...textBlock(0, 'Once upon'), ...messageEnd('max_tokens')], false));
    expect(completion.choices[0]!.finish_reason).toBe('length');
    expect(completion.choices[0]!.message.content).toBe('Once upon');
  });

  it('usage counts cached tokens in prompt_tokens and reports cache reads as cached_tokens', () => {
    const chunks = toChunks(
      [
        messageStart({ input_tokens: 10, cache_read_input_tokens: 100, cache_creation_input_tokens: 20, output_tokens: 1 }),
        ...textBlock(0, 'Hi'),
        // Cumulative counters: null fields keep the message_start values, present ones overwrite.
        ...messageEnd('end_turn', { input_tokens: null, cache_read_input_tokens: null, cache_creation_input_tokens: null, output_tokens: 7 }),
      ],
      true,
    );
    expectWellFormed(chunks, true);
    expect(chunks.at(-1)!.usage).toMatchObject({
      prompt_tokens: 130,
      completion_tokens: 7,
      total_tokens: 137,
      prompt_tokens_details: { cached_tokens: 100 },
    });
  });

  it('usage takes overwritten cumulative input counters from message_delta', () => {
    const chunks = toChunks(
      [
        messageStart({ input_tokens: 10, cache_read_input_tokens: 0, cache_creation_input_tokens: 0, output_tokens: 1 }),
        ...textBlock(0, 'Hi'),
        ...messageEnd('end_turn', { input_tokens: 11, cache_read_input_tokens: 50, cache_creation_input_tokens: 5, output_tokens: 3 }),
      ],
      true,
    );
    expect(chunks.at(-1)!.usage).toMatchObject({ prompt_tokens: 66, completion_tokens: 3, total_tokens: 69, prompt_tokens_details: { cached_tokens: 50 } });
  });

  it('drops empty text, thinking and argument deltas', () => {
    const chunks = toChunks(
      [messageStart(), ...thinkingBlock(0, '', 'hm'), ...textBlock(1, '', 'A', ''), ...toolBlock(2, 'toolu_e', 'run', '', '{}', ''), ...messageEnd('tool_use')],
      false,
    );
    expect(deltas(chunks)).toEqual([
      { role: 'assistant', content: '' },
      { reasoning_content: 'hm' },
      { content: 'A' },
      { tool_calls: [{ index: 0, id: 'toolu_e', type: 'function', function: { name: 'run', arguments: '' } }] },
      { tool_calls: [{ index: 0, function: { arguments: '{}' } }] },
      {},
    ]);
  });

  it('finishes exactly once: finishOpenAIChatChunks after message_stop adds nothing', () => {
    const state = createOpenAIChatStreamState({ id: ID, created: CREATED, includeUsage: true, model: REQUESTED_MODEL });
    const chunks = [messageStart(), ...textBlock(0, 'x'), ...messageEnd('end_turn')].flatMap((event) => stepOpenAIChatChunks(state, event));
    expect(finishOpenAIChatChunks(state)).toEqual([]);
    expect(stepOpenAIChatChunks(state, ev({ type: 'message_stop' }))).toEqual([]);
    expectWellFormed(chunks, true);
  });

  it('finishOpenAIChatChunks closes a stream that ended without message_stop', () => {
    const state = createOpenAIChatStreamState({ id: ID, created: CREATED, includeUsage: true, model: REQUESTED_MODEL });
    const chunks = [messageStart(), ...textBlock(0, 'x')].flatMap((event) => stepOpenAIChatChunks(state, event));
    chunks.push(...finishOpenAIChatChunks(state));
    expectWellFormed(chunks, true);
    expect(finishReasons(chunks).at(-1)).toBe('stop');
  });
});
