import Anthropic from '@anthropic-ai/sdk';
import type { Message, RawMessageStreamEvent } from '@anthropic-ai/sdk/resources/messages';
import { describe, expect, it } from 'vitest';
import { proxyErrorOf } from '../../../test/support/proxy-error-of.ts';
import { FIXTURE_VERSIONS, fixtureLines, NEWEST_FIXTURES, type FixtureVersion } from '../../../test/support/cli-fixtures.ts';
import { parseCliLine } from '../../cli/cli-lines.ts';
import { createCliEventState, stepCliEvents } from '../../cli/convert-cli-lines-to-anthropic-events.ts';
import { accumulateMessage, createMessageAccumulator, finishMessage } from './accumulate-message.ts';

/** The events the proxy relays for a recorded CLI turn: up to message_stop, where the proxy ends the turn. */
function fixtureEvents(scenario: string, version: FixtureVersion = NEWEST_FIXTURES): RawMessageStreamEvent[] {
  const state = createCliEventState();
  const events: RawMessageStreamEvent[] = [];
  for (const line of fixtureLines(scenario, version)) {
    for (const event of stepCliEvents(state, parseCliLine(line), { nowSeconds: 0 })) {
      events.push(event);
      if (event.type === 'message_stop') return events;
    }
  }
  return events;
}

function fold(events: readonly RawMessageStreamEvent[]): Message {
  const state = createMessageAccumulator();
  for (const event of events) accumulateMessage(state, event);
  return finishMessage(state);
}

const failure = proxyErrorOf;

/** The final message as the official SDK's MessageStream builds it from our events sent as SSE. */
async function sdkFinalMessage(events: readonly RawMessageStreamEvent[]): Promise<Message> {
  const body = events.map((event) => `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`).join('');
  const client = new Anthropic({
    apiKey: 'sk-test',
    baseURL: 'http://proxy.invalid',
    maxRetries: 0,
    fetch: async () => new Response(body, { status: 200, headers: { 'content-type': 'text/event-stream' } }),
  });
  const message = await client.messages.stream({ model: 'claude-sonnet-4-6', max_tokens: 256, messages: [{ role: 'user', content: 'hello' }] }).finalMessage();
  // The SDK's own structured-output helper field, not part of the wire message.
  const { parsed_output: _parsedOutput, ...wire } = message as Message & { parsed_output?: unknown };
  return wire;
}

const messageStart = (usage: Partial<Message['usage']> = {}): RawMessageStreamEvent =>
  ({
    type: 'message_start',
    message: {
      id: 'msg_1',
      type: 'message',
      role: 'assistant',
      model: 'claude-sonnet-4-6',
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { input_tokens: 10, output_tokens: 1, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, ...usage },
    },
  }) as unknown as RawMessageStreamEvent;

const messageDelta = (usage: Record<string, number | null>, stopReason = 'end_turn'): RawMessageStreamEvent =>
  ({ type: 'message_delta', delta: { stop_reason: stopReason, stop_sequence: null }, usage }) as unknown as RawMessageStreamEvent;

describe('accumulateMessage on recorded turns', () => {
  it('folds a text turn', () => {
    const message = fold(fixtureEvents('text'));
    expect(message).toMatchObject({
      id: 'msg_fake0001',
      type: 'message',
      role: 'assistant',
      model: 'claude-sonnet-4-6',
      content: [{ type: 'text', text: 'Hello from the fake upstream.' }],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage: { input_tokens: 12, output_tokens: 5, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
    });
  });

  it('folds thinking with its signature, then text', () => {
    expect(fold(fixtureEvents('thinking-and-text')).content).toEqual([
      { type: 'thinking', thinking: 'The user wants a short answer.', signature: 'c2lnbmF0dXJlLWZpeHR1cmU=' },
      { type: 'text', text: 'Four.' },
    ]);
  });

  it('parses tool_use input from its input_json_delta fragments', () => {
    const message = fold(fixtureEvents('tool-use'));
    expect(message.content).toEqual([
      { type: 'text', text: 'Let me check.' },
      { type: 'tool_use', id: 'toolu_fixture01', name: 'get_weather', input: { city: 'Paris', unit: 'celsius' } },
    ]);
    expect(message.stop_reason).toBe('tool_use');
    expect(message.usage.output_tokens).toBe(17);
  });

  it('folds a message replayed from a non-streamed retry', () => {
    expect(fold(fixtureEvents('dropped-before-content'))).toMatchObject({ content: [{ type: 'text', text: 'Recovered answer.' }], stop_reason: 'end_turn' });
  });

  it.each(
    FIXTURE_VERSIONS.flatMap((version) => ['text', 'thinking-and-text', 'tool-use', 'dropped-before-content'].map((scenario) => [scenario, version] as const)),
  )('builds the same message as the official SDK MessageStream from %s (CLI %s)', async (scenario, version) => {
    const events = fixtureEvents(scenario, version);
    expect(await sdkFinalMessage(events)).toEqual(fold(events));
  });
});

describe('accumulateMessage rules', () => {
  it('overwrites cumulative usage counters instead of adding them', () => {
    const message = fold([
      messageStart({ input_tokens: 10, output_tokens: 1 }),
      messageDelta({ output_tokens: 7, input_tokens: 11, cache_read_input_tokens: 4, cache_creation_input_tokens: 2 }),
      { type: 'message_stop' },
    ]);
    expect(message.usage).toMatchObject({ input_tokens: 11, output_tokens: 7, cache_read_input_tokens: 4, cache_creation_input_tokens: 2 });
  });

  it('keeps counters the delta does not carry, and keeps zeros it does', () => {
    const message = fold([
      messageStart({ input_tokens: 10, output_tokens: 1, cache_read_input_tokens: 3 }),
      messageDelta({ output_tokens: 0, input_tokens: null }),
      { type: 'message_stop' },
    ]);
    expect(message.usage).toMatchObject({ input_tokens: 10, output_tokens: 0, cache_read_input_tokens: 3 });
  });

  it('keeps a tool_use input of {} when no input fragments came', () => {
    const message = fold([
      messageStart(),
      { type: 'content_block_start', index: 0, content_block: { type: 'tool_use', id: 'toolu_1', name: 'now', input: {} } } as RawMessageStreamEvent,
      { type: 'content_block_stop', index: 0 },
      messageDelta({ output_tokens: 3 }, 'tool_use'),
      { type: 'message_stop' },
    ]);
    expect(message.content).toEqual([{ type: 'tool_use', id: 'toolu_1', name: 'now', input: {} }]);
  });

  it('does not share block objects with the events', () => {
    const start = { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } } as RawMessageStreamEvent;
    const message = fold([
      messageStart(),
      start,
      { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'hi' } } as RawMessageStreamEvent,
      { type: 'content_block_stop', index: 0 },
      messageDelta({ output_tokens: 1 }),
      { type: 'message_stop' },
    ]);
    expect(message.content).toEqual([{ type: 'text', text: 'hi' }]);
    expect(start).toMatchObject({ content_block: { text: '' } });
  });

  it('appends citations to their text block', () => {
    const citation = { type: 'char_location', cited_text: 'x', document_index: 0, document_title: null, start_char_index: 0, end_char_index: 1, file_id: null };
    const message = fold([
      messageStart(),
      { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '', citations: null } } as RawMessageStreamEvent,
      { type: 'content_block_delta', index: 0, delta: { type: 'citations_delta', citation } } as RawMessageStreamEvent,
      { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'x' } } as RawMessageStreamEvent,
      { type: 'content_block_stop', index: 0 },
      messageDelta({ output_tokens: 1 }),
      { type: 'message_stop' },
    ]);
    expect(message.content).toEqual([{ type: 'text', text: 'x', citations: [citation] }]);
  });

  it('fails when the stream ends without message_stop', () => {
    const events = fixtureEvents('text');
    const state = createMessageAccumulator();
    for (const event of events.slice(0, -1)) accumulateMessage(state, event);
    expect(failure(() => finishMessage(state))).toMatchObject({ kind: 'api_error', message: 'the model stream ended before the message was complete' });
    expect(failure(() => finishMessage(createMessageAccumulator())).kind).toBe('api_error');
  });

  it('fails on an event before message_start', () => {
    const state = createMessageAccumulator();
    expect(failure(() => accumulateMessage(state, { type: 'content_block_stop', index: 0 })).message).toBe(
      'unexpected event order: content_block_stop before message_start',
    );
  });

  it('fails on a delta for a block that never started', () => {
    const state = createMessageAccumulator();
    accumulateMessage(state, messageStart());
    expect(
      failure(() => accumulateMessage(state, { type: 'content_block_delta', index: 2, delta: { type: 'text_delta', text: 'x' } } as RawMessageStreamEvent))
        .message,
    ).toBe('unexpected event order: delta for block 2 before its start');
  });

  it('fails on tool input that is not JSON', () => {
    const state = createMessageAccumulator();
    accumulateMessage(state, messageStart());
    accumulateMessage(state, {
      type: 'content_block_start',
      index: 0,
      content_block: { type: 'tool_use', id: 't', name: 'n', input: {} },
    } as RawMessageStreamEvent);
    accumulateMessage(state, { type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: '{"a":' } });
    expect(failure(() => accumulateMessage(state, { type: 'content_block_stop', index: 0 })).message).toBe('the model sent tool input that is not valid JSON');
  });
});
