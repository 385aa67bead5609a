/**
 * Metrics, usage accounting, the request log line and /v1/status through the whole HTTP stack, with recorded CLI turns
 * (the `text` turn: 12 input and 5 output tokens). The e2e file checks the same figures against a real CLI and what the
 * fake upstream counted.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { StatusSnapshot } from '../../src/server/status-snapshot.ts';
import { sample } from '../support/prometheus-sample.ts';
import { gate, startInProcessProxy, type InProcessProxy } from '../support/start-in-process-proxy.ts';

let proxy: InProcessProxy | undefined;
afterEach(async () => {
  await proxy?.close();
  proxy = undefined;
});

const REQUESTS = {
  messages: { path: '/v1/messages', body: { model: 'sonnet', max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] } },
  chat: { path: '/v1/chat/completions', body: { model: 'sonnet', messages: [{ role: 'user', content: 'hi' }] } },
  responses: { path: '/v1/responses', body: { model: 'sonnet', input: 'hi' } },
} as const;

async function send(api: keyof typeof REQUESTS, options: { key?: string; stream?: boolean } = {}): Promise<Response> {
  const { path, body } = REQUESTS[api];
  const response = await fetch(new URL(path, proxy!.url), {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(options.key != null ? { authorization: `Bearer ${options.key}` } : {}) },
    body: JSON.stringify({ ...body, ...(options.stream === true ? { stream: true } : {}) }),
  });
  await response.text();
  return response;
}

async function get(path: string, key?: string): Promise<Response> {
  return fetch(new URL(path, proxy!.url), { headers: key != null ? { authorization: `Bearer ${key}` } : {} });
}

describe('metrics', () => {
  it('counts requests, turns and tokens by API, how the turn was served and key, and reads processes when scraped', async () => {
    proxy = await startInProcessProxy({ settings: { PROXY_API_KEYS: 'cursor:sk-cursor,sk-other' } });
    await send('messages', { key: 'sk-cursor' });
    await send('chat', { key: 'sk-cursor', stream: true });
    await send('responses', { key: 'sk-other' });
    await send('responses', { key: 'sk-other', stream: true });
    // The OpenAI paths without /v1 are the same APIs.
    const unprefixed = await fetch(new URL('/chat/completions', proxy.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer sk-other' },
      body: JSON.stringify(REQUESTS.chat.body),
    });
    expect(unprefixed.status).toBe(200);
    expect((await get('/metrics')).status).toBe(401);
    const scraped = await get('/metrics', 'sk-cursor');
    expect(scraped.headers.get('content-type')).toContain('text/plain');
    const metrics = await scraped.text();
    expect(sample(metrics, 'claude_proxy_requests_total', { api: 'messages', route: '/v1/messages', model: 'claude-sonnet-4-6', status: '200' })).toBe(1);
    expect(sample(metrics, 'claude_proxy_requests_total', { api: 'responses', status: '200' })).toBe(2);
    expect(sample(metrics, 'claude_proxy_turns_total', { api: 'chat', served: 'cold', outcome: 'completed' })).toBe(2);
    expect(sample(metrics, 'claude_proxy_requests_total', { api: 'chat', route: '/chat/completions', status: '200' })).toBe(1);
    expect(sample(metrics, 'claude_proxy_tokens_total', { key: 'cursor', type: 'input' })).toBe(24);
    expect(sample(metrics, 'claude_proxy_tokens_total', { key: 'cursor', type: 'output' })).toBe(10);
    expect(sample(metrics, 'claude_proxy_tokens_total', { key: 'key 2', type: 'output' })).toBe(15);
    expect(sample(metrics, 'claude_proxy_time_to_first_token_seconds_count', { api: 'responses', served: 'cold' })).toBe(2);
    expect(sample(metrics, 'claude_proxy_request_duration_seconds_count', { api: 'chat', stream: 'true' })).toBe(1);
    expect(sample(metrics, 'claude_proxy_queue_wait_seconds_count')).toBe(5);
    expect(metrics).toContain('claude_proxy_processes{kind="running"} 0');
    // The 401 of the first scrape is a request too, with no turn.
    expect(sample(metrics, 'claude_proxy_requests_total', { api: 'metrics', status: '401' })).toBe(1);
  });

  it('counts a failed turn among the upstream errors, by the status the client got', async () => {
    proxy = await startInProcessProxy({ runner: { scenario: () => 'error-529' } });
    expect((await send('messages')).status).toBe(529);
    const metrics = await (await get('/metrics')).text();
    expect(sample(metrics, 'claude_proxy_upstream_errors_total', { status: '529', kind: 'overloaded' })).toBe(1);
    expect(sample(metrics, 'claude_proxy_turns_total', { api: 'messages', outcome: 'failed' })).toBe(1);
    expect(sample(metrics, 'claude_proxy_requests_total', { api: 'messages', status: '529' })).toBe(1);
  });

  it('counts a failed turn of a model name never served and not in the catalogue as `other`: clients choose names', async () => {
    proxy = await startInProcessProxy({ runner: { scenario: () => 'error-529' } });
    for (const model of ['claude-sonnet-made-up-1', 'claude-sonnet-made-up-2']) {
      const response = await fetch(new URL('/v1/messages', proxy.url), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ...REQUESTS.messages.body, model }),
      });
      expect(response.status).toBe(529);
    }
    const metrics = await (await get('/metrics')).text();
    expect(sample(metrics, 'claude_proxy_turns_total', { api: 'messages', outcome: 'failed' })).toBe(2);
    expect(metrics).not.toContain('made-up');
    const usage = (await (await get('/v1/usage')).json()) as { data: unknown[] };
    expect(usage.data).toEqual([expect.objectContaining({ model: 'other', requests: 2, errors: 2 })]);
  });
});

describe('usage accounting', () => {
  it('sums requests and tokens per key, model and UTC day, and answers /v1/usage behind the keys', async () => {
    proxy = await startInProcessProxy({ settings: { PROXY_API_KEYS: 'cursor:sk-cursor,cline:sk-cline' } });
    await send('messages', { key: 'sk-cursor' });
    await send('chat', { key: 'sk-cursor', stream: true });
    await send('responses', { key: 'sk-cline' });
    expect((await get('/v1/usage')).status).toBe(401);
    const usage = (await (await get('/v1/usage', 'sk-cline')).json()) as { data: unknown[]; totals: unknown; from: string; to: string };
    const today = new Date().toISOString().slice(0, 10);
    expect(usage.to).toBe(today);
    expect(usage.data).toEqual([
      expect.objectContaining({ date: today, key: 'cline', model: 'claude-sonnet-4-6', requests: 1, errors: 0, input_tokens: 12, output_tokens: 5 }),
      expect.objectContaining({ date: today, key: 'cursor', model: 'claude-sonnet-4-6', requests: 2, errors: 0, input_tokens: 24, output_tokens: 10 }),
    ]);
    expect(usage.totals).toEqual({ requests: 3, errors: 0, input_tokens: 36, output_tokens: 15, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 });
    const cursorOnly = (await (await get('/v1/usage?key=cursor', 'sk-cline')).json()) as { data: Array<{ key: string }> };
    expect(cursorOnly.data.map((row) => row.key)).toEqual(['cursor']);
    const future = (await (await get('/v1/usage?from=2999-01-01&to=2999-01-31', 'sk-cline')).json()) as { data: unknown[] };
    expect(future.data).toEqual([]);
    const bad = await get('/v1/usage?from=yesterday', 'sk-cline');
    expect(bad.status).toBe(400);
    expect(JSON.stringify(await bad.json())).toContain('from must be a date as YYYY-MM-DD (UTC), got \\"yesterday\\"');
    for (const query of ['to=2026-13-01', 'from=2024-02-30', 'from=2026-12-02&to=2026-12-01'])
      expect((await get(`/v1/usage?${query}`, 'sk-cline')).status, query).toBe(400);
    const twice = await get('/v1/usage?key=cursor&key=cline', 'sk-cline');
    expect(twice.status).toBe(400);
    expect(JSON.stringify(await twice.json())).toContain('key: give it once');
  });
});

describe('request log', () => {
  it('writes one line per request with its key, API, model, how it was served, timings and tokens', async () => {
    const lines: Array<Record<string, unknown>> = [];
    proxy = await startInProcessProxy({
      settings: { PROXY_API_KEYS: 'cursor:sk-cursor', LOG_LEVEL: 'info' },
      logStream: { write: (chunk) => lines.push(JSON.parse(chunk) as Record<string, unknown>) },
    });
    await send('chat', { key: 'sk-cursor', stream: true });
    await send('messages', { key: 'wrong' });
    await expect.poll(() => lines.filter((line) => line.msg === 'request')).toHaveLength(2);
    const [chat, refused] = lines.filter((line) => line.msg === 'request');
    expect(chat).toMatchObject({
      level: 30,
      key: 'cursor',
      api: 'chat',
      route: '/v1/chat/completions',
      status: 200,
      stream: true,
      model: 'claude-sonnet-4-6',
      served: 'cold',
      outcome: 'completed',
      input_tokens: 12,
      output_tokens: 5,
      client_closed: false,
    });
    expect(chat!.reqId).toMatch(/^req_/);
    expect(chat!.ttft_ms).toEqual(expect.any(Number));
    expect(chat!.duration_ms).toEqual(expect.any(Number));
    expect(refused).toMatchObject({ api: 'messages', status: 401 });
    expect(refused).not.toHaveProperty('key');
    // Fastify's own two lines per request are gone.
    expect(lines.some((line) => line.msg === 'incoming request' || line.msg === 'request completed')).toBe(false);
  });

  it('writes the line of a client that went away once its turn has ended, marked as such', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const release = gate();
    proxy = await startInProcessProxy({
      settings: { LOG_LEVEL: 'info' },
      runner: { hold: () => release.promise },
      logStream: { write: (chunk) => lines.push(JSON.parse(chunk) as Record<string, unknown>) },
    });
    const controller = new AbortController();
    const response = fetch(new URL('/v1/messages', proxy.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...REQUESTS.messages.body, stream: true }),
      signal: controller.signal,
    }).then((answer) => answer.text());
    // The turn has its slot and waits for the model when the client goes away.
    await expect.poll(() => proxy!.runner.activeCount()).toBe(1);
    controller.abort();
    await expect(response).rejects.toThrow();
    await expect.poll(() => proxy!.runner.aborted).toBe(1);
    release.open();
    await expect.poll(() => lines.filter((line) => line.msg === 'request')).toHaveLength(1);
    expect(lines.find((line) => line.msg === 'request')).toMatchObject({ api: 'messages', status: 200, client_closed: true, outcome: 'disconnected' });
  });
});

describe('GET /v1/status', () => {
  it('shows the CLI, the processes, the latest requests and the usage, behind the keys', async () => {
    proxy = await startInProcessProxy({ settings: { PROXY_API_KEYS: 'cursor:sk-cursor' } });
    await send('responses', { key: 'sk-cursor', stream: true });
    expect((await get('/v1/status')).status).toBe(401);
    const status = (await (await get('/v1/status', 'sk-cursor')).json()) as StatusSnapshot;
    expect(status.proxy).toMatchObject({ auth: 'keys', usage_database: ':memory:' });
    expect(status.cli).toMatchObject({ logged_in: true, problem: null });
    expect(status.processes).toMatchObject({ running: 0, queued: 0 });
    expect(status.recent_requests).toEqual([
      expect.objectContaining({
        key: 'cursor',
        api: 'responses',
        model: 'claude-sonnet-4-6',
        served: 'cold',
        status: 200,
        stream: true,
        input_tokens: 12,
        output_tokens: 5,
      }),
    ]);
    expect(status.usage).toEqual([expect.objectContaining({ key: 'cursor', requests: 1, output_tokens: 5 })]);
  });
});
