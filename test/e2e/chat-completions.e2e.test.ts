/**
 * OpenAI Chat Completions end to end: official `openai` SDK (v6) → proxy → real `claude` CLI → fake upstream.
 */
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorReply, textReply } from '../support/fake-upstream.ts';
import { readSseFrames } from '../support/read-sse.ts';
import { startTestProxy, type TestProxy } from '../support/start-test-proxy.ts';
import { aliasId } from '../support/cli-aliases.ts';

let proxy: TestProxy;
let client: OpenAI;

beforeAll(async () => {
  proxy = await startTestProxy({ settings: { STREAM_IDLE_TIMEOUT_MS: '2000' } });
  client = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: 'unused', maxRetries: 0 });
});
afterAll(async () => proxy.close());

async function rawStream(body: object) {
  const response = await fetch(`${proxy.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer unused' },
    body: JSON.stringify({ model: 'sonnet', stream: true, ...body }),
  });
  expect(response.status).toBe(200);
  // A keep-alive comment may come first on a slow start; the keep-alive test checks those.
  return (await readSseFrames(response)).filter((frame) => frame.comment == null);
}

describe('POST /v1/chat/completions', () => {
  it('returns a chat.completion for a non-streaming request', async () => {
    proxy.upstream.when('marker-chat-create', textReply('Hi there.', { usage: { input_tokens: 10, output_tokens: 3, cache_read_input_tokens: 4 } }));
    const completion = await client.chat.completions.create({ model: 'sonnet', messages: [{ role: 'user', content: 'marker-chat-create hello' }] });
    expect(completion.id).toMatch(/^chatcmpl-/);
    expect(completion).toMatchObject({
      object: 'chat.completion',
      created: expect.any(Number),
      model: aliasId('sonnet'),
      choices: [{ index: 0, message: { role: 'assistant', content: 'Hi there.', refusal: null }, logprobs: null, finish_reason: 'stop' }],
      usage: { prompt_tokens: 14, completion_tokens: 3, total_tokens: 17, prompt_tokens_details: { cached_tokens: 4 } },
    });
  });

  it('streams with .stream() and finalChatCompletion() assembles it', async () => {
    proxy.upstream.when('marker-chat-stream', textReply('alpha beta', { chunks: ['alpha', ' beta'] }));
    const stream = client.chat.completions.stream({ model: 'haiku', messages: [{ role: 'user', content: 'marker-chat-stream' }] });
    const deltas: string[] = [];
    stream.on('content.delta', ({ delta }) => deltas.push(delta));
    const completion = await stream.finalChatCompletion();
    expect(deltas).toEqual(['alpha', ' beta']);
    expect(completion.choices[0]).toMatchObject({ message: { role: 'assistant', content: 'alpha beta' }, finish_reason: 'stop' });
    expect(completion.model).toBe(aliasId('haiku'));
  });

  it('follows the chunk rules: role first, one finish_reason, no usage chunk unless asked, [DONE], no event: lines', async () => {
    proxy.upstream.when('marker-chat-raw', textReply('xyz', { chunks: ['x', 'y', 'z'] }));
    const frames = await rawStream({ messages: [{ role: 'user', content: 'marker-chat-raw' }] });
    expect(frames.every((frame) => frame.event == null)).toBe(true);
    expect(frames.at(-1)!.data).toBe('[DONE]');
    const chunks = frames.slice(0, -1).map((frame) => JSON.parse(frame.data!) as OpenAI.ChatCompletionChunk);
    expect(chunks[0]!.choices[0]!.delta).toEqual({ role: 'assistant', content: '' });
    expect(chunks.map((chunk) => chunk.choices[0]?.delta.content).filter((text) => text != null && text !== '')).toEqual(['x', 'y', 'z']);
    expect(chunks.filter((chunk) => chunk.choices[0]?.finish_reason != null).map((chunk) => chunk.choices[0]!.finish_reason)).toEqual(['stop']);
    expect(chunks.at(-1)!.choices[0]!.finish_reason).toBe('stop');
    expect(chunks.every((chunk) => chunk.choices.length === 1 && !('usage' in chunk))).toBe(true);
    expect(new Set(chunks.map((chunk) => chunk.id)).size).toBe(1);
    expect(chunks.every((chunk) => chunk.object === 'chat.completion.chunk')).toBe(true);
  });

  it('ends with a usage chunk with empty choices when stream_options.include_usage is set', async () => {
    proxy.upstream.when('marker-chat-usage', textReply('ok', { usage: { input_tokens: 8, output_tokens: 2 } }));
    const frames = await rawStream({ stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'marker-chat-usage' }] });
    const chunks = frames.slice(0, -1).map((frame) => JSON.parse(frame.data!) as OpenAI.ChatCompletionChunk);
    const last = chunks.at(-1)!;
    expect(last.choices).toEqual([]);
    expect(last.usage).toMatchObject({ prompt_tokens: 8, completion_tokens: 2, total_tokens: 10 });
    expect(chunks.slice(0, -1).every((chunk) => chunk.usage === null)).toBe(true);
  });

  it('sends keep-alive comments while the first token is slow, which the SDK ignores', async () => {
    const slow = await startTestProxy({ settings: { KEEPALIVE_INTERVAL_MS: '100' } });
    try {
      slow.upstream.when('marker-chat-slow', textReply('late', { delayMs: 1500 }));
      const response = await fetch(`${slow.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'sonnet', stream: true, messages: [{ role: 'user', content: 'marker-chat-slow' }] }),
      });
      const frames = await readSseFrames(response);
      const firstData = frames.findIndex((frame) => frame.data != null);
      expect(frames.slice(0, firstData).some((frame) => frame.comment === 'keep-alive')).toBe(true);
      const sdk = new OpenAI({ baseURL: `${slow.url}/v1`, apiKey: 'x', maxRetries: 0 });
      const completion = await sdk.chat.completions
        .stream({ model: 'sonnet', messages: [{ role: 'user', content: 'marker-chat-slow again' }] })
        .finalChatCompletion();
      expect(completion.choices[0]!.message.content).toBe('late');
    } finally {
      await slow.close();
    }
  });

  it('gives upstream the system and developer messages as the system prompt', async () => {
    await client.chat.completions.create({
      model: 'sonnet',
      messages: [
        { role: 'system', content: 'You are helpful.' },
        { role: 'developer', content: 'Answer in French.' },
        { role: 'user', content: 'marker-chat-system bonjour' },
      ],
    });
    const [request] = proxy.upstream.modelRequests('marker-chat-system');
    expect(request!.body.system.slice(1).map((block: { text: string }) => block.text)).toEqual(['You are helpful.\n\nAnswer in French.']);
    expect(request!.body.messages).toHaveLength(1);
  });

  it('sends the history and images upstream as structured turns', async () => {
    const pixel = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';
    await client.chat.completions.create({
      model: 'sonnet',
      max_completion_tokens: 77,
      messages: [
        { role: 'user', content: 'first' },
        { role: 'assistant', content: 'reply' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'marker-chat-image what is this?' },
            { type: 'image_url', image_url: { url: `data:image/png;base64,${pixel}` } },
          ],
        },
      ],
    });
    const [request] = proxy.upstream.modelRequests('marker-chat-image');
    expect(request!.body.messages.map((message: { role: string }) => message.role)).toEqual(['user', 'assistant', 'user']);
    expect(request!.body.messages[2].content).toEqual([
      { type: 'text', text: 'marker-chat-image what is this?' },
      expect.objectContaining({ type: 'image', source: { type: 'base64', media_type: 'image/png', data: pixel } }),
    ]);
    expect(request!.body.max_tokens).toBe(77);
  });

  it('maps max_tokens to finish_reason length', async () => {
    proxy.upstream.when('marker-chat-length', textReply('cut', { stopReason: 'max_tokens' }));
    const completion = await client.chat.completions.create({ model: 'sonnet', max_tokens: 5, messages: [{ role: 'user', content: 'marker-chat-length' }] });
    expect(completion.choices[0]!.finish_reason).toBe('length');
  });

  it('streams a tool call per the chunk rules and reports finish_reason tool_calls', async () => {
    proxy.upstream.when('marker-chat-tool', {
      kind: 'message',
      content: [{ type: 'tool_use', id: 'toolu_weather', name: 'mcp__t__get_weather', input: { city: 'Paris' } }],
    });
    const tools: OpenAI.ChatCompletionTool[] = [
      { type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } },
    ];
    const completion = await client.chat.completions
      .stream({ model: 'sonnet', tools, messages: [{ role: 'user', content: 'marker-chat-tool' }] })
      .finalChatCompletion();
    expect(completion.choices[0]!.finish_reason).toBe('tool_calls');
    expect(completion.choices[0]!.message.tool_calls).toEqual([
      { id: 'toolu_weather', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
    ]);
  });

  it('streams thinking as reasoning_content when reasoning_effort is set', async () => {
    proxy.upstream.when('marker-chat-reasoning', {
      kind: 'message',
      content: [
        { type: 'thinking', thinking: 'pondering', signature: 's' },
        { type: 'text', text: 'answer' },
      ],
    });
    const frames = await rawStream({ reasoning_effort: 'low', messages: [{ role: 'user', content: 'marker-chat-reasoning' }] });
    const deltas = frames.slice(0, -1).map((frame) => (JSON.parse(frame.data!) as OpenAI.ChatCompletionChunk).choices[0]?.delta as Record<string, unknown>);
    expect(deltas.map((delta) => delta.reasoning_content).filter((text) => text != null)).toEqual(['pondering']);
    expect(deltas.map((delta) => delta.content).filter((text) => text != null && text !== '')).toEqual(['answer']);
  });

  it('accepts every documented field, ignores unknown ones, and lists what the CLI cannot honour', async () => {
    const { response } = await client.chat.completions
      .create({
        model: 'sonnet',
        messages: [{ role: 'user', content: 'marker-chat-fields' }],
        temperature: 0.3,
        top_p: 0.9,
        seed: 7,
        n: 1,
        user: 'someone',
        logprobs: false,
        presence_penalty: 0,
        response_format: { type: 'text' },
        // @ts-expect-error non-standard fields real clients send
        extra_body: { anything: true },
        cache_control: { type: 'ephemeral' },
      })
      .withResponse();
    expect(response.status).toBe(200);
    expect(response.headers.get('x-proxy-ignored')).toBe('temperature, top_p, seed, presence_penalty, user');
  });
});

describe('Chat Completions errors', () => {
  it('maps an upstream 429 to a RateLimitError', async () => {
    proxy.upstream.when('marker-chat-429', errorReply(429, 'rate_limit_error', 'too many'));
    const error = await client.chat.completions
      .create({ model: 'sonnet', messages: [{ role: 'user', content: 'marker-chat-429' }] })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    expect((error as InstanceType<typeof OpenAI.APIError>).code).toBe('rate_limit_exceeded');
  });

  it('sends a data: {"error": ...} chunk when the stream fails mid-way, and the SDK throws', async () => {
    proxy.upstream.when('marker-chat-stall', textReply('partial', { chunks: ['par', 'tial'], interrupt: { afterEvents: 3, mode: 'stall' } }));
    const stream = await client.chat.completions.create({ model: 'sonnet', stream: true, messages: [{ role: 'user', content: 'marker-chat-stall' }] });
    const received: string[] = [];
    const error = await (async () => {
      for await (const chunk of stream) received.push(chunk.choices[0]?.delta.content ?? '');
    })().catch((caught: unknown) => caught);
    expect(received.join('')).toBe('par');
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect((error as InstanceType<typeof OpenAI.APIError>).message).toContain('STREAM_IDLE_TIMEOUT_MS');
  });
});
