/**
 * The findings of the hardening review (issue 11), each as the request or connection that showed it, against the
 * real HTTP stack with a recorded-output runner. The fuzz test (fuzz.test.ts) looks for more of the same kind.
 */
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { CliHealth } from '../../src/cli/cli-health.ts';
import { checkFuzzAnswer } from '../support/fuzz/check-fuzz-response.ts';
import { gate, readUntil, startInProcessProxy, type InProcessProxy } from '../support/start-in-process-proxy.ts';

let proxy: InProcessProxy | undefined;
afterEach(async () => {
  await proxy?.close();
  proxy = undefined;
});

const anthropicHeaders = { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' };

async function post(path: string, body: unknown, headers: Record<string, string> = anthropicHeaders): Promise<Response> {
  return fetch(new URL(path, proxy!.url), { method: 'POST', headers, body: JSON.stringify(body) });
}

describe('client text that reaches a header', () => {
  it.each([
    [
      '/v1/responses',
      { model: 'claude-sonnet-4-6', stream: true, input: [{ type: '漢' }, { role: 'user', content: 'hi' }] },
      'input[%E6%BC%A2]',
      ': keep-alive',
    ],
    [
      '/v1/messages',
      { model: 'sonnet', max_tokens: 5, stream: true, tools: [{ type: '漢', name: 't' }], messages: [{ role: 'user', content: 'hi' }] },
      'tools.0 (%E6%BC%A2)',
      'event: ping',
    ],
  ])('streams %s with a non-Latin-1 ignored type: keep-alives go out, the header is encoded, the server stays up', async (path, body, header, keepAlive) => {
    // The keep-alive timer wrote the headers first and Node refused the raw type: an unhandled rejection ended the process.
    const firstToken = gate();
    proxy = await startInProcessProxy({ settings: { KEEPALIVE_INTERVAL_MS: '20' }, runner: { hold: () => firstToken.promise } });
    const response = await post(path, body);
    expect(response.status).toBe(200);
    expect(response.headers.get('x-proxy-ignored')).toBe(header);
    const reader = response.body!.getReader();
    const beforeAnswer = await readUntil(reader, keepAlive);
    expect(beforeAnswer).toContain(keepAlive);
    firstToken.open();
    const all = await readUntil(reader, 'never-appears', beforeAnswer);
    expect(all).toMatch(/message_stop|response\.completed/);
    expect((await fetch(new URL('/health', proxy.url))).status).toBe(200);
  });

  it("answers the same request unstreamed with a 200 and the encoded header (it was Fastify's own 500 after a whole turn)", async () => {
    proxy = await startInProcessProxy();
    const response = await post(
      '/v1/responses',
      { model: 'claude-sonnet-4-6', input: [{ type: '漢' }, { role: 'user', content: 'hi' }] },
      { 'content-type': 'application/json' },
    );
    expect(response.status).toBe(200);
    expect(response.headers.get('request-id')).toMatch(/^req_/);
    expect(response.headers.get('x-proxy-ignored')).toBe('input[%E6%BC%A2]');
    expect(await response.json()).toMatchObject({ object: 'response', status: 'completed' });
  });
});

describe('malformed requests are a 400 naming the field, before any CLI work', () => {
  const user = (content: unknown) => ({ model: 'sonnet', max_tokens: 5, messages: [{ role: 'user', content }] });
  // JSON text, not an object: JSON.stringify itself cannot write a value this deep.
  const deep = `${'{"type":"object","properties":{"a":'.repeat(10_000)}{"type":"object"}${'}}'.repeat(10_000)}`;

  it.each([
    ['an image without a source', user([{ type: 'image' }]), 'messages.0.content.0.source'],
    ['a base64 image without media type and data', user([{ type: 'image', source: { type: 'base64' } }]), 'messages.0.content.0.source.media_type'],
    ['a document without data', user([{ type: 'document', source: { type: 'base64', media_type: 'application/pdf' } }]), 'messages.0.content.0.source.data'],
    ['a tool result holding null', user([{ type: 'tool_result', tool_use_id: 't', content: [null] }]), 'messages.0.content.0.content.0'],
    ['a text block whose text is a number', user([{ type: 'text', text: 1.5 }]), 'messages.0.content.0.text'],
    [
      'a tool_use without input',
      {
        ...user('x'),
        messages: [
          { role: 'user', content: 'a' },
          { role: 'assistant', content: [{ type: 'tool_use', id: 't', name: 'n' }] },
          { role: 'user', content: 'b' },
        ],
      },
      'messages.1.content.0.input',
    ],
    [
      'a tool schema nested 10,000 deep',
      `{"model":"sonnet","max_tokens":5,"messages":[{"role":"user","content":"x"}],"tools":[{"name":"t","input_schema":${deep}}]}`,
      'tools.0.input_schema.properties.a.properties',
    ],
  ])('%s', async (_name, body, param) => {
    proxy = await startInProcessProxy();
    const response = await fetch(new URL('/v1/messages', proxy.url), {
      method: 'POST',
      headers: anthropicHeaders,
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    expect(response.status).toBe(400);
    const error = (await response.json()) as { error: { type: string; message: string } };
    expect(error.error.type).toBe('invalid_request_error');
    expect(error.error.message.startsWith(param)).toBe(true);
    expect(proxy.runner.turns).toHaveLength(0);
  });

  it('passes a 1 MB text.format.schema to the CLI over stdin: it used to go on argv and fail to spawn (E2BIG)', async () => {
    const argvLengths: number[] = [];
    const schemas: unknown[] = [];
    proxy = await startInProcessProxy({
      runner: {
        inspect: (invocation) => {
          argvLengths.push(invocation.args.join(' ').length);
          schemas.push((JSON.parse(invocation.stdinSteps[0]!.line) as { request: { jsonSchema?: unknown } }).request.jsonSchema);
        },
      },
    });
    const schema = { type: 'object', description: 'x'.repeat(1024 * 1024) };
    const response = await post(
      '/v1/responses',
      { model: 'sonnet', input: 'hi', text: { format: { type: 'json_schema', name: 's', schema } } },
      { 'content-type': 'application/json' },
    );
    expect(response.status).toBe(200);
    expect(argvLengths[0]).toBeLessThan(1000);
    expect(schemas[0]).toEqual(schema);
  });
});

describe('/health', () => {
  it('answers at once while the CLI probe hangs, and takes a served turn as proof the CLI works', async () => {
    // It used to await `claude --version` and `claude auth status`: up to 15 s, then "degraded" under load.
    const health = new CliHealth({ path: 'claude', probe: () => new Promise(() => undefined), now: Date.now, intervalMs: 30_000 });
    void health.refresh();
    proxy = await startInProcessProxy({ cliHealth: health });
    const before = await fetch(new URL('/health', proxy.url));
    expect(before.status).toBe(503);
    expect(await before.json()).toMatchObject({ status: 'degraded', cli: { logged_in: null, error: 'the CLI has not been checked yet' } });
    expect((await post('/v1/messages', { model: 'sonnet', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] })).status).toBe(200);
    const after = await fetch(new URL('/health', proxy.url));
    expect(after.status).toBe(200);
    expect(await after.json()).toMatchObject({ status: 'ok', cli: { logged_in: true, last_turn: { outcome: 'served' } } });
  });
});

/** Opens a connection and sends the headers and the first bytes of a body that never completes. */
function trickle(url: URL, path: string, protocolHeaders: string): Promise<{ status: number; body: string; closed: true }> {
  return new Promise((resolve) => {
    const socket = connect(Number(url.port), url.hostname, () => {
      socket.write(`POST ${path} HTTP/1.1\r\nHost: ${url.host}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n${protocolHeaders}\r\n{"mo`);
    });
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      resolve({ status: Number(/^HTTP\/1\.1 (\d+)/.exec(text)?.[1] ?? 0), body: text.slice(text.indexOf('\r\n\r\n') + 4), closed: true });
    });
  });
}

describe('request body deadline', () => {
  it("closes 20 connections trickling their bodies with a 408 in the protocol's shape (they stayed open indefinitely)", async () => {
    proxy = await startInProcessProxy({ settings: { REQUEST_BODY_TIMEOUT_MS: '300' } });
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, index) =>
        index % 2 === 0 ? trickle(proxy!.url, '/v1/messages', 'anthropic-version: 2023-06-01\r\n') : trickle(proxy!.url, '/v1/chat/completions', ''),
      ),
    );
    expect(answers.map((answer) => answer.status)).toEqual(Array.from({ length: 20 }, () => 408));
    expect(JSON.parse(answers[0]!.body)).toMatchObject({ type: 'error', error: { type: 'timeout_error' } });
    expect(JSON.parse(answers[1]!.body)).toMatchObject({ error: { message: expect.stringContaining('REQUEST_BODY_TIMEOUT_MS'), param: null } });
    expect((await fetch(new URL('/health', proxy.url))).status).toBe(200);
  });
});

describe('graceful shutdown', () => {
  it('ends a running stream with an error event after the grace period, closes idle connections, and refuses new requests with a 503', async () => {
    const held = gate();
    let turnStarted: () => void = () => undefined;
    const started = new Promise<void>((resolve) => (turnStarted = resolve));
    proxy = await startInProcessProxy({ settings: { KEEPALIVE_INTERVAL_MS: '20' }, runner: { hold: () => (turnStarted(), held.promise) } });
    const stream = await post('/v1/messages', { model: 'sonnet', max_tokens: 5, stream: true, messages: [{ role: 'user', content: 'hi' }] });
    await started;
    const idle = connect(Number(proxy.url.port), proxy.url.hostname);
    const idleClosed = new Promise<void>((resolve) => idle.on('close', () => resolve()));
    await new Promise<void>((resolve) => idle.on('connect', () => resolve()));

    const closing = proxy.app.closeGracefully(50);
    const refused = await fetch(new URL('/v1/messages', proxy.url), { method: 'POST', headers: anthropicHeaders, body: '{}' }).catch((error: unknown) => error);
    const text = await stream.text();
    await closing;
    await idleClosed;
    proxy = undefined;

    expect(text).toContain('event: error');
    expect(text).toContain('shutting down');
    expect(checkFuzzAnswer({ status: 200, headers: stream.headers, text }, 'anthropic')).toEqual([]);
    // The listening socket is closed at once: a new connection is refused; one already open gets a shaped 503.
    if (refused instanceof Response) expect(refused.status).toBe(503);
    else expect(String((refused as Error).cause ?? refused)).toMatch(/ECONNREFUSED|other side closed|fetch failed/);
  });

  it('closes at once when nothing is in flight, even with a connection that never sent a request', async () => {
    proxy = await startInProcessProxy({ settings: { SHUTDOWN_GRACE_MS: '60000' } });
    const silent = connect(Number(proxy.url.port), proxy.url.hostname);
    const silentClosed = new Promise<void>((resolve) => silent.on('close', () => resolve()));
    await new Promise<void>((resolve) => silent.on('connect', () => resolve()));
    await proxy.app.closeGracefully(60_000);
    await silentClosed;
    proxy = undefined;
  });
});

describe('work per request', () => {
  /** The longest the event loop stood still while the proxy answered one request with this body. */
  async function longestStall(path: string, body: string): Promise<{ stallMs: number; status: number }> {
    let longest = 0;
    let last = performance.now();
    const ticker = setInterval(() => {
      const now = performance.now();
      longest = Math.max(longest, now - last);
      last = now;
    }, 1);
    try {
      const response = await fetch(new URL(path, proxy!.url), { method: 'POST', headers: anthropicHeaders, body });
      await response.text();
      return { stallMs: longest, status: response.status };
    } finally {
      clearInterval(ticker);
    }
  }

  const many = (count: number, role: (index: number) => string) =>
    Array.from({ length: count }, (_, index) => ({ role: role(index), content: `message ${index} ${'x'.repeat(40)}` }));
  it.each([
    [
      '20,000 consecutive assistant messages',
      '/v1/messages',
      { model: 'sonnet', max_tokens: 5, messages: [{ role: 'user', content: 'q' }, ...many(20_000, () => 'assistant'), { role: 'user', content: 'q' }] },
    ],
    [
      '100,000 alternating messages (about 7 MB)',
      '/v1/messages',
      { model: 'sonnet', max_tokens: 5, messages: [...many(99_999, (index) => (index % 2 === 0 ? 'user' : 'assistant'))] },
    ],
    [
      '1,000 stop sequences',
      '/v1/chat/completions',
      { model: 'sonnet', stop: Array.from({ length: 1000 }, (_, index) => `${'s'.repeat(60)}${index}`), messages: [{ role: 'user', content: 'q' }] },
    ],
    [
      '2,000 tools with schemas',
      '/v1/responses',
      {
        model: 'sonnet',
        input: 'q',
        tools: Array.from({ length: 2000 }, (_, index) => ({
          type: 'function',
          name: `tool_${index}`,
          parameters: { type: 'object', properties: { a: { type: 'string', description: 'd'.repeat(200) } } },
        })),
      },
    ],
  ])('does not hold the server up much longer than parsing its body: %s', async (_name, path, value) => {
    proxy = await startInProcessProxy();
    const body = JSON.stringify(value);
    // The reference: what parsing this body costs on this machine, right now.
    const parseStarted = performance.now();
    JSON.parse(body);
    const parseMs = performance.now() - parseStarted;
    // The least of three runs, against the noise of a loaded machine (CI runs other suites beside this one).
    const runs = [await longestStall(path, body), await longestStall(path, body), await longestStall(path, body)];
    const stallMs = Math.min(...runs.map((run) => run.stallMs));
    console.log(`${_name}: ${(body.length / 1e6).toFixed(1)} MB, parse ${parseMs.toFixed(1)} ms, longest event loop stall ${stallMs.toFixed(1)} ms`);
    expect(runs.map((run) => run.status)).toEqual([200, 200, 200]);
    expect(stallMs).toBeLessThan(10 * parseMs + 100);
  });
});
