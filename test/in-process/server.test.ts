/**
 * The HTTP layer in process: status codes and error shapes of every API, SSE framing, mid-stream errors, disconnects
 * and request validation, through the official SDKs (their `fetch` goes through `app.inject`) and raw requests, with a
 * runner that answers from recorded CLI output (chosen by a `scenario:<name>` marker in the last user message).
 */
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TurnRequest } from '../../src/core/turn-request.ts';
import { injectFetch } from '../support/inject-fetch.ts';
import { readSseFrames } from '../support/read-sse.ts';
import { gate, startInProcessProxy, type InProcessProxy } from '../support/start-in-process-proxy.ts';

const scenarioOf = (request: TurnRequest): string => /scenario:([\w-]+)/.exec(JSON.stringify(request.messages.at(-1)))?.[1] ?? 'text';

let proxy: InProcessProxy;
let anthropic: Anthropic;
let openai: OpenAI;
let call: typeof fetch;

beforeAll(async () => {
  proxy = await startInProcessProxy({ runner: { scenario: scenarioOf } });
  call = injectFetch(proxy.app);
  anthropic = new Anthropic({ baseURL: 'http://localhost', apiKey: 'x', maxRetries: 0, fetch: call });
  openai = new OpenAI({ baseURL: 'http://localhost/v1', apiKey: 'x', maxRetries: 0, fetch: call });
});
afterAll(async () => proxy.close());

type Api = 'messages' | 'chat' | 'responses';
const PATHS: Record<Api, string> = { messages: '/v1/messages', chat: '/v1/chat/completions', responses: '/v1/responses' };

function body(api: Api, text: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  switch (api) {
    case 'messages':
      return { model: 'sonnet', max_tokens: 50, messages: [{ role: 'user', content: text }], ...extra };
    case 'chat':
      return { model: 'sonnet', messages: [{ role: 'user', content: text }], ...extra };
    case 'responses':
      return { model: 'sonnet', input: text, ...extra };
  }
}

async function post(api: Api, payload: unknown): Promise<Response> {
  return call(`http://localhost${PATHS[api]}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
    body: JSON.stringify(payload),
  });
}

describe("upstream errors become each API's error, with the real status", () => {
  const cases = [
    ['error-400', 400, 'invalid_request_error', 'invalid_request_error'],
    ['error-401', 401, 'authentication_error', 'invalid_request_error'],
    ['not-logged-in', 401, 'authentication_error', 'invalid_request_error'],
    ['error-404', 404, 'not_found_error', 'invalid_request_error'],
    ['error-429', 429, 'rate_limit_error', 'rate_limit_exceeded'],
    ['error-500', 500, 'api_error', 'server_error'],
    ['error-529', 529, 'overloaded_error', 'server_error'],
  ] as const;

  it.each(cases)('%s: %i', async (scenario, status, anthropicType) => {
    for (const api of ['messages', 'chat', 'responses'] as const) {
      for (const stream of [false, true]) {
        const response = await post(api, body(api, `scenario:${scenario}`, { stream }));
        expect({ api, stream, status: response.status }).toEqual({ api, stream, status });
        expect(response.headers.get('request-id')).toMatch(/^req_/);
        const error = (await response.json()) as { type?: string; error: { type: string; message: string; param?: unknown; code?: unknown } };
        if (api === 'messages') expect(error).toMatchObject({ type: 'error', error: { type: anthropicType, message: expect.any(String) } });
        else expect(error.error).toMatchObject({ message: expect.any(String), type: expect.any(String) });
        if (api !== 'messages') expect(Object.keys(error.error).sort()).toEqual(['code', 'message', 'param', 'type']);
      }
    }
  });

  it('makes the SDKs throw their own error classes', async () => {
    await expect(anthropic.messages.create(body('messages', 'scenario:error-429') as never)).rejects.toBeInstanceOf(Anthropic.RateLimitError);
    await expect(openai.chat.completions.create(body('chat', 'scenario:error-401') as never)).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
    await expect(openai.responses.create(body('responses', 'scenario:error-500') as never)).rejects.toBeInstanceOf(OpenAI.InternalServerError);
  });
});

describe('streams are framed as each API frames them, and the SDKs assemble them', () => {
  it('Messages: event and data lines in pairs, from message_start to message_stop; finalMessage() equals the non-streamed answer', async () => {
    const frames = await readSseFrames(await post('messages', body('messages', 'hello', { stream: true })));
    for (const frame of frames) expect(frame.event).toBe((JSON.parse(frame.data!) as { type: string }).type);
    expect(frames[0]!.event).toBe('message_start');
    expect(frames.at(-1)!.event).toBe('message_stop');
    const streamed = await anthropic.messages.stream(body('messages', 'hello') as never).finalMessage();
    const whole = await anthropic.messages.create(body('messages', 'hello') as never);
    expect(streamed.content).toEqual(whole.content);
    expect(streamed.content).toEqual([{ type: 'text', text: 'Hello from the fake upstream.' }]);
  });

  it('Chat Completions: data lines only, one role chunk first, usage when asked, then [DONE]', async () => {
    const frames = await readSseFrames(await post('chat', body('chat', 'hello', { stream: true, stream_options: { include_usage: true } })));
    expect(frames.every((frame) => frame.event === undefined)).toBe(true);
    expect(frames.at(-1)!.data).toBe('[DONE]');
    const chunks = frames.slice(0, -1).map((frame) => JSON.parse(frame.data!) as OpenAI.ChatCompletionChunk);
    expect(chunks[0]!.choices[0]!.delta.role).toBe('assistant');
    expect(chunks.at(-1)!.usage).toMatchObject({ prompt_tokens: expect.any(Number), completion_tokens: expect.any(Number) });
    const completion = await openai.chat.completions.stream(body('chat', 'hello') as never).finalChatCompletion();
    expect(completion.choices[0]!.message.content).toBe('Hello from the fake upstream.');
  });

  it('Responses: event lines equal to the data type, sequence numbers from 0, ending with response.completed', async () => {
    const frames = await readSseFrames(await post('responses', body('responses', 'hello', { stream: true })));
    const events = frames
      .filter((frame) => frame.data != null)
      .map((frame) => ({ event: frame.event, data: JSON.parse(frame.data!) as { type: string; sequence_number: number } }));
    events.forEach(({ event, data }, index) => {
      expect(event).toBe(data.type);
      expect(data.sequence_number).toBe(index);
    });
    expect(events[0]!.data.type).toBe('response.created');
    expect(events.at(-1)!.data.type).toBe('response.completed');
    const response = await openai.responses.stream(body('responses', 'hello') as never).finalResponse();
    expect(response.output_text).toBe('Hello from the fake upstream.');
  });
});

describe("a failure after the stream started is each API's error event", () => {
  it('Messages: event: error, and the SDK throws', async () => {
    const frames = await readSseFrames(await post('messages', body('messages', 'scenario:dropped-after-content', { stream: true })));
    expect(frames.at(-1)).toMatchObject({ event: 'error' });
    expect(JSON.parse(frames.at(-1)!.data!)).toMatchObject({
      type: 'error',
      error: { type: 'api_error', message: expect.stringContaining('retry the request') },
    });
    await expect(anthropic.messages.stream(body('messages', 'scenario:dropped-after-content') as never).finalMessage()).rejects.toBeInstanceOf(
      Anthropic.APIError,
    );
  });

  it('Chat Completions: a data: {"error"} chunk and no [DONE]; the SDK throws', async () => {
    const frames = await readSseFrames(await post('chat', body('chat', 'scenario:dropped-after-content', { stream: true })));
    expect(JSON.parse(frames.at(-1)!.data!)).toMatchObject({ error: { type: 'server_error', message: expect.any(String) } });
    expect(frames.some((frame) => frame.data === '[DONE]')).toBe(false);
    await expect(openai.chat.completions.stream(body('chat', 'scenario:dropped-after-content') as never).finalChatCompletion()).rejects.toThrow();
  });

  it('Responses: response.failed, then an error event; the SDK throws', async () => {
    const frames = await readSseFrames(await post('responses', body('responses', 'scenario:dropped-after-content', { stream: true })));
    const types = frames.filter((frame) => frame.data != null).map((frame) => (JSON.parse(frame.data!) as { type: string }).type);
    expect(types.slice(-2)).toEqual(['response.failed', 'error']);
    await expect(openai.responses.stream(body('responses', 'scenario:dropped-after-content') as never).finalResponse()).rejects.toThrow();
  });
});

describe('a client that goes away', () => {
  it("stops its turn (the runner's signal fires) on every API", async () => {
    const held = gate();
    const live = await startInProcessProxy({ runner: { hold: () => held.promise } });
    try {
      for (const api of ['messages', 'chat', 'responses'] as const) {
        const controller = new AbortController();
        const before = live.runner.aborted;
        const pending = fetch(new URL(PATHS[api], live.url), {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
          body: JSON.stringify(body(api, 'hello', { stream: api !== 'chat' })),
          signal: controller.signal,
        }).catch(() => undefined);
        await expect.poll(() => live.runner.activeCount()).toBe(1);
        controller.abort();
        await pending;
        await expect.poll(() => live.runner.aborted).toBe(before + 1);
      }
    } finally {
      held.open();
      await live.close();
    }
  });
});

describe("request validation names the field, in the API's shape", () => {
  const cases: [Api, unknown, string][] = [
    ['messages', { model: 'sonnet', max_tokens: 0, messages: [{ role: 'user', content: 'x' }] }, 'max_tokens'],
    ['messages', { model: 'sonnet', messages: [{ role: 'user', content: 'x' }], thinking: { type: 'enabled' } }, 'thinking.budget_tokens'],
    ['messages', { model: 'sonnet', messages: [{ role: 'user', content: 'x' }], tool_choice: { type: 'tool' } }, 'tool_choice.name'],
    ['messages', { model: 'sonnet', messages: [{ role: 'user', content: 'x' }], system: [{ type: 'text', text: 5 }] }, 'system.0.text'],
    ['messages', { model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] }, 'model'],
    ['chat', { model: 'sonnet', messages: [] }, 'messages'],
    ['chat', { model: 'sonnet', messages: [{ role: 'robot', content: 'x' }] }, 'messages.0.role'],
    [
      'chat',
      {
        model: 'sonnet',
        messages: [
          { role: 'user', content: 'x' },
          { role: 'assistant', content: null, tool_calls: [{ type: 'function', function: { name: 'f', arguments: '{}' } }] },
          { role: 'user', content: 'y' },
        ],
      },
      'messages.1.tool_calls.0.id',
    ],
    ['chat', { model: 'sonnet', messages: [{ role: 'user', content: [{ type: 'image_url', image_url: {} }] }] }, 'messages.0.content.0.image_url.url'],
    ['chat', { model: 'sonnet', n: 2, messages: [{ role: 'user', content: 'x' }] }, 'n'],
    ['chat', { model: 'sonnet', tools: [{ type: 'custom', custom: { name: 'c' } }], messages: [{ role: 'user', content: 'x' }] }, 'tools.0.type'],
    ['responses', { model: 'sonnet' }, 'input'],
    ['responses', { model: 'sonnet', input: [{ type: 'function_call', name: 'f', arguments: '{}' }] }, 'input.0.call_id'],
    ['responses', { model: 'sonnet', input: 'x', previous_response_id: 'resp_1' }, 'previous_response_id'],
    ['responses', { model: 'sonnet', input: [{ role: 'user', content: [{ type: 'input_image', file_id: 'file_1' }] }] }, 'input.0.content.0.file_id'],
    ['responses', { model: 'sonnet', input: 'x', tools: [{ type: 'function', parameters: {} }] }, 'tools.0.name'],
  ];

  it.each(cases)('%s: %j is a 400 naming %s', async (api, payload, param) => {
    const before = proxy.runner.turns.length;
    const response = await post(api, payload);
    expect(response.status).toBe(400);
    const error = (await response.json()) as { error: { type: string; message: string; param?: string } };
    expect(error.error.type).toBe('invalid_request_error');
    expect(error.error.message.startsWith(param)).toBe(true);
    if (api !== 'messages') expect(error.error.param).toBe(param);
    expect(proxy.runner.turns.length).toBe(before);
  });
});

describe('requests answered without a turn', () => {
  it('rejects an unknown model family, a broken schema, malformed JSON and a trailing assistant message with 400s in Anthropic shape', async () => {
    const before = proxy.runner.turns.length;
    const unknown = await anthropic.messages.create(body('messages', 'x', { model: 'gpt-4o' }) as never).catch((caught: unknown) => caught);
    expect(unknown).toBeInstanceOf(Anthropic.BadRequestError);
    expect((unknown as InstanceType<typeof Anthropic.APIError>).error).toMatchObject({
      type: 'error',
      error: { type: 'invalid_request_error', message: expect.stringContaining('gpt-4o') },
    });
    expect((unknown as InstanceType<typeof Anthropic.APIError>).requestID).toMatch(/^req_/);
    const schema = await post('messages', { model: 'sonnet', max_tokens: 'ten', messages: [] });
    expect(schema.status).toBe(400);
    expect(await schema.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error', message: expect.stringContaining('max_tokens') } });
    const malformed = await call('http://localhost/v1/messages', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"model": ' });
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
    const prefill = await anthropic.messages
      .create(
        body('messages', 'hi', {
          messages: [
            { role: 'user', content: 'hi' },
            { role: 'assistant', content: 'Sure,' },
          ],
        }) as never,
      )
      .catch((caught: unknown) => caught);
    expect(prefill).toBeInstanceOf(Anthropic.BadRequestError);
    expect((prefill as Error).message).toContain('end with a user message');
    expect(proxy.runner.turns.length).toBe(before);
  });

  it('rejects an unknown model in OpenAI shape with param and code, on both OpenAI APIs', async () => {
    const chat = await openai.chat.completions.create(body('chat', 'x', { model: 'gpt-4o' }) as never).catch((caught: unknown) => caught);
    expect(chat).toBeInstanceOf(OpenAI.BadRequestError);
    expect((chat as InstanceType<typeof OpenAI.APIError>).error).toEqual({
      message: expect.stringContaining('gpt-4o'),
      type: 'invalid_request_error',
      param: 'model',
      code: null,
    });
    const stateful = await openai.responses
      .create(body('responses', 'x', { previous_response_id: 'resp_earlier' }) as never)
      .catch((caught: unknown) => caught);
    expect(stateful).toBeInstanceOf(OpenAI.BadRequestError);
    expect((stateful as InstanceType<typeof OpenAI.APIError>).error).toMatchObject({
      type: 'invalid_request_error',
      param: 'previous_response_id',
      message: expect.stringContaining('stateless'),
    });
  });

  it('answers a body over 32 MB with 413 request_too_large and an unknown path with 404 not_found_error', async () => {
    // Over a real socket: Fastify used to close the connection before the client finished sending (a reset, no 413).
    const overTcp = new Anthropic({ baseURL: proxy.url.href.replace(/\/$/, ''), apiKey: 'x', maxRetries: 0 });
    const large = await overTcp.messages.create(body('messages', 'x'.repeat(33 * 1024 * 1024)) as never).catch((caught: unknown) => caught);
    expect(large).toBeInstanceOf(Anthropic.APIError);
    expect((large as InstanceType<typeof Anthropic.APIError>).status).toBe(413);
    expect((large as InstanceType<typeof Anthropic.APIError>).error).toMatchObject({ type: 'error', error: { type: 'request_too_large' } });
    const missing = await call('http://localhost/v1/nothing-here', { headers: { 'anthropic-version': '2023-06-01' } });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ type: 'error', error: { type: 'not_found_error' } });
  });

  it('counts tokens locally, without a turn', async () => {
    const before = proxy.runner.turns.length;
    const count = await anthropic.messages.countTokens({
      model: 'sonnet',
      system: 'Be brief.',
      messages: [{ role: 'user', content: 'How many tokens is this?' }],
    });
    expect(count.input_tokens).toBeGreaterThan(0);
    expect(proxy.runner.turns.length).toBe(before);
  });
});

describe('models', () => {
  it('serves the Anthropic shape to the Anthropic SDK, paginated, with single-model lookups', async () => {
    const ids: string[] = [];
    for await (const model of anthropic.models.list({ limit: 4 })) ids.push(model.id);
    expect(ids).toEqual(expect.arrayContaining(['claude-opus-4-8', 'claude-opus-5-5', 'sonnet']));
    expect(new Set(ids).size).toBe(ids.length);
    const page = await anthropic.models.list({ limit: 2 });
    expect(page.data).toHaveLength(2);
    expect(page.has_more).toBe(true);
    expect(page.data[0]).toMatchObject({ type: 'model', id: 'claude-opus-5-5', display_name: 'Claude Opus 5.5', created_at: expect.any(String) });
    expect(await anthropic.models.retrieve('claude-sonnet-4-6')).toMatchObject({ type: 'model', id: 'claude-sonnet-4-6' });
  });

  it('serves the OpenAI list shape to OpenAI clients, and 404 for a model of no known family', async () => {
    const ids: string[] = [];
    for await (const model of openai.models.list()) {
      expect(model).toMatchObject({ object: 'model', owned_by: 'anthropic', created: expect.any(Number) });
      ids.push(model.id);
    }
    expect(ids).toEqual(expect.arrayContaining(['opus', 'sonnet', 'haiku', 'claude-sonnet-5']));
    expect(await openai.models.retrieve('haiku')).toMatchObject({ id: 'haiku', object: 'model' });
    const unknown = await call('http://localhost/v1/models/gpt-4o', { headers: { 'anthropic-version': '2023-06-01' } });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ type: 'error', error: { type: 'not_found_error' } });
  });
});

describe('access control', () => {
  it("requires one of PROXY_API_KEYS as x-api-key or Bearer, in each API's shape, and says which key a turn used", async () => {
    const callers: (string | undefined)[] = [];
    const locked = await startInProcessProxy({ settings: { PROXY_API_KEYS: 'key-one,key-two' }, turnObserver: (report) => callers.push(report.caller) });
    try {
      const lockedFetch = injectFetch(locked.app);
      const ask = (options: { apiKey: string | null; authToken?: string }) =>
        new Anthropic({ baseURL: 'http://localhost', maxRetries: 0, fetch: lockedFetch, ...options }).messages.create(body('messages', 'hi') as never);
      await expect(ask({ apiKey: 'wrong' })).rejects.toBeInstanceOf(Anthropic.AuthenticationError);
      await expect(ask({ apiKey: 'key-two' })).resolves.toMatchObject({ type: 'message' });
      await expect(ask({ apiKey: null, authToken: 'key-one' })).resolves.toMatchObject({ type: 'message' });
      const missing = await lockedFetch('http://localhost/v1/messages', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      expect(missing.status).toBe(401);
      expect(await missing.json()).toMatchObject({ type: 'error', error: { type: 'authentication_error' } });
      const chat = new OpenAI({ baseURL: 'http://localhost/v1', apiKey: 'wrong', maxRetries: 0, fetch: lockedFetch });
      const refused = await chat.chat.completions.create(body('chat', 'hi') as never).catch((caught: unknown) => caught);
      expect(refused).toBeInstanceOf(OpenAI.AuthenticationError);
      expect((refused as InstanceType<typeof OpenAI.APIError>).error).toMatchObject({ code: 'invalid_api_key' });
      expect(locked.runner.turns).toHaveLength(2);
    } finally {
      await locked.close();
    }
    expect(callers).toEqual(['key 2', 'key 1']);
  });

  it('refuses a foreign Host header when no keys are set (DNS rebinding), and serves localhost', async () => {
    const foreign = await proxy.app.inject({ method: 'GET', url: '/v1/models', headers: { host: 'evil.example:8082' } });
    expect(foreign.statusCode).toBe(403);
    const local = await proxy.app.inject({ method: 'GET', url: '/v1/models', headers: { host: 'localhost:8082' } });
    expect(local.statusCode).toBe(200);
  });

  it('sends CORS headers only to listed origins, and answers their preflight', async () => {
    const withCors = await startInProcessProxy({ settings: { CORS_ORIGINS: 'http://allowed.test' } });
    try {
      const allowed = await withCors.app.inject({ method: 'GET', url: '/v1/models', headers: { origin: 'http://allowed.test' } });
      expect(allowed.headers['access-control-allow-origin']).toBe('http://allowed.test');
      const other = await withCors.app.inject({ method: 'GET', url: '/v1/models', headers: { origin: 'http://other.test' } });
      expect(other.headers['access-control-allow-origin']).toBeUndefined();
      const preflight = await withCors.app.inject({
        method: 'OPTIONS',
        url: '/v1/messages',
        headers: { origin: 'http://allowed.test', 'access-control-request-method': 'POST', 'access-control-request-headers': 'x-api-key,content-type' },
      });
      expect(preflight.statusCode).toBe(204);
      expect(preflight.headers['access-control-allow-origin']).toBe('http://allowed.test');
    } finally {
      await withCors.close();
    }
    const none = await proxy.app.inject({ method: 'GET', url: '/v1/models', headers: { origin: 'http://allowed.test' } });
    expect(none.headers['access-control-allow-origin']).toBeUndefined();
  });
});
