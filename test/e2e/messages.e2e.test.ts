/**
 * The Messages API end to end: official Anthropic SDK → proxy → real `claude` CLI → fake upstream.
 */
import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { textReply } from '../support/fake-upstream.ts';
import { readSseFrames } from '../support/read-sse.ts';
import { startTestProxy, type TestProxy } from '../support/start-test-proxy.ts';
import { aliasId } from '../support/cli-aliases.ts';

let proxy: TestProxy;
let client: Anthropic;

beforeAll(async () => {
  proxy = await startTestProxy();
  client = new Anthropic({ baseURL: proxy.url, apiKey: 'unused-without-proxy-keys', maxRetries: 0 });
});
afterAll(async () => proxy.close());

const IDENTITY_LINE = "You are a Claude agent, built on Anthropic's Claude Agent SDK.";

describe('POST /v1/messages', () => {
  it('returns the full Message for a non-streaming request', async () => {
    proxy.upstream.when('marker-create', textReply('Paris is the capital.', { usage: { input_tokens: 21, output_tokens: 7, cache_read_input_tokens: 3 } }));
    const message = await client.messages.create({
      model: 'sonnet',
      max_tokens: 200,
      messages: [{ role: 'user', content: 'marker-create: capital of France?' }],
    });
    expect(message).toMatchObject({
      type: 'message',
      role: 'assistant',
      model: aliasId('sonnet'),
      content: [{ type: 'text', text: 'Paris is the capital.' }],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage: { input_tokens: 21, output_tokens: 7, cache_read_input_tokens: 3, cache_creation_input_tokens: 0 },
    });
    expect(message.id).toMatch(/^msg_/);
  });

  it('streams text deltas that finalMessage() assembles', async () => {
    proxy.upstream.when('marker-stream', textReply('one two three', { chunks: ['one', ' two', ' three'] }));
    const stream = client.messages.stream({ model: 'haiku', max_tokens: 50, messages: [{ role: 'user', content: 'marker-stream count' }] });
    const deltas: string[] = [];
    stream.on('text', (delta) => deltas.push(delta));
    const message = await stream.finalMessage();
    expect(deltas).toEqual(['one', ' two', ' three']);
    expect(message.content).toEqual([{ type: 'text', text: 'one two three' }]);
    expect(message.model).toBe(aliasId('haiku'));
    expect(message.stop_reason).toBe('end_turn');
  });

  it('sends the exact Anthropic SSE sequence with an event: line per data: line', async () => {
    proxy.upstream.when('marker-wire', textReply('ab', { chunks: ['a', 'b'] }));
    const response = await fetch(`${proxy.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ model: 'sonnet', max_tokens: 20, stream: true, messages: [{ role: 'user', content: 'marker-wire' }] }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(response.headers.get('request-id')).toMatch(/^req_/);
    const frames = (await readSseFrames(response)).filter((frame) => frame.event !== 'ping');
    for (const frame of frames) expect(JSON.parse(frame.data!).type).toBe(frame.event);
    expect(frames.map((frame) => frame.event)).toEqual([
      'message_start',
      'content_block_start',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    expect(JSON.parse(frames[5]!.data!)).toMatchObject({ delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 5 } });
  });

  it('sends ping keep-alives while the first token is slow, and the SDK still assembles the message', async () => {
    const slow = await startTestProxy({ settings: { KEEPALIVE_INTERVAL_MS: '100' } });
    try {
      slow.upstream.when('marker-slow', textReply('late answer', { delayMs: 1500 }));
      const response = await fetch(`${slow.url}/v1/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'sonnet', max_tokens: 20, stream: true, messages: [{ role: 'user', content: 'marker-slow' }] }),
      });
      const frames = await readSseFrames(response);
      const firstMessageStart = frames.findIndex((frame) => frame.event === 'message_start');
      expect(frames.slice(0, firstMessageStart).some((frame) => frame.event === 'ping' && frame.data === '{"type":"ping"}')).toBe(true);
      expect(frames.at(-1)!.event).toBe('message_stop');

      const sdk = new Anthropic({ baseURL: slow.url, apiKey: 'x', maxRetries: 0 });
      const message = await sdk.messages.stream({ model: 'sonnet', max_tokens: 20, messages: [{ role: 'user', content: 'marker-slow again' }] }).finalMessage();
      expect(message.content).toEqual([{ type: 'text', text: 'late answer' }]);
    } finally {
      await slow.close();
    }
  });

  it("gives upstream the client's system prompt and nothing of Claude Code's prompt or tools", async () => {
    await client.messages.create({
      model: 'sonnet',
      max_tokens: 100,
      system: [
        { type: 'text', text: 'You are a terse pirate.' },
        { type: 'text', text: 'Never use emoji.' },
      ],
      messages: [{ role: 'user', content: 'marker-system hello' }],
    });
    const [request] = proxy.upstream.modelRequests('marker-system');
    expect(request!.body.system.map((block: { text: string }) => block.text)).toEqual([IDENTITY_LINE, 'You are a terse pirate.\n\nNever use emoji.']);
    expect(request!.body.tools ?? []).toEqual([]);
    expect(JSON.stringify(request!.body)).not.toMatch(/Claude Code|interactive agent|software engineering/i);
  });

  it('gives upstream only the identity line when the client sends no system prompt', async () => {
    await client.messages.create({ model: 'sonnet', max_tokens: 100, messages: [{ role: 'user', content: 'marker-nosystem' }] });
    const [request] = proxy.upstream.modelRequests('marker-nosystem');
    expect(request!.body.system.map((block: { text: string }) => block.text)).toEqual([IDENTITY_LINE]);
  });

  it('sends the conversation history upstream as structured turns, not flattened text', async () => {
    await client.messages.create({
      model: 'claude-sonnet-4-6',
      max_tokens: 64,
      messages: [
        { role: 'user', content: 'What is 2+2?' },
        { role: 'assistant', content: [{ type: 'text', text: '4' }] },
        { role: 'user', content: 'marker-history and times 3?' },
      ],
    });
    const [request] = proxy.upstream.modelRequests('marker-history');
    const messages = request!.body.messages as Array<{ role: string; content: Array<{ type: string; text: string }> }>;
    expect(messages.map((message) => message.role)).toEqual(['user', 'assistant', 'user']);
    expect(messages[0]!.content.at(-1)!.text).toBe('What is 2+2?');
    expect(messages[1]!.content).toEqual([{ type: 'text', text: '4' }]);
    expect(messages[2]!.content.map((block) => block.text)).toEqual(['marker-history and times 3?']);
    expect(request!.body.model).toBe('claude-sonnet-4-6');
    expect(request!.body.max_tokens).toBe(64);
  });

  it('passes full model ids through and strips provider prefixes', async () => {
    const message = await client.messages.create({
      model: 'anthropic/claude-opus-4-1-20250805',
      max_tokens: 10,
      messages: [{ role: 'user', content: 'marker-model' }],
    });
    const [request] = proxy.upstream.modelRequests('marker-model');
    expect(request!.body.model).toBe('claude-opus-4-1-20250805');
    expect(message.model).toBe('claude-opus-4-1-20250805');
  });

  it('accepts ?beta=true, both API versions and unknown betas', async () => {
    for (const version of ['2023-06-01', '2026-10-21']) {
      const response = await fetch(`${proxy.url}/v1/messages?beta=true`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'anthropic-version': version,
          'anthropic-beta': 'claude-code-20250219,interleaved-thinking-2025-05-14,made-up-beta-2099-01-01',
        },
        body: JSON.stringify({ model: 'sonnet', max_tokens: 10, messages: [{ role: 'user', content: `marker-beta ${version}` }] }),
      });
      expect(response.status).toBe(200);
      expect(((await response.json()) as { type: string }).type).toBe('message');
    }
  });

  it('names the fields the CLI cannot honour in x-proxy-ignored', async () => {
    // Sampling fields are gone from SDK 1.x types (API 2026-10-21); 2023-06-01 clients still send them.
    const legacyParams = { model: 'sonnet', max_tokens: 10, temperature: 0.2, top_k: 5, messages: [{ role: 'user' as const, content: 'marker-ignored' }] };
    const { response } = await client.messages.create(legacyParams).withResponse();
    expect(response.headers.get('x-proxy-ignored')).toBe('temperature, top_k');
    expect(response.headers.get('request-id')).toMatch(/^req_/);
  });

  it('streams thinking with its signature when the client asks for thinking', async () => {
    proxy.upstream.when('marker-thinking', {
      kind: 'message',
      content: [
        { type: 'thinking', thinking: 'Let me think.', signature: 'sig-abc' },
        { type: 'text', text: 'Done.' },
      ],
    });
    const message = await client.messages
      .stream({
        model: 'sonnet',
        max_tokens: 2000,
        thinking: { type: 'enabled', budget_tokens: 1024 },
        messages: [{ role: 'user', content: 'marker-thinking' }],
      })
      .finalMessage();
    expect(message.content).toEqual([
      { type: 'thinking', thinking: 'Let me think.', signature: 'sig-abc' },
      { type: 'text', text: 'Done.' },
    ]);
  });
});
