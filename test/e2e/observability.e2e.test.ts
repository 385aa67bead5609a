/**
 * Metrics and usage accounting against what the fake upstream counted, through the real CLI: every token the upstream
 * reported for a turn, and only those, shows up per key in /metrics, /v1/usage and /v1/status, on all three APIs,
 * streaming and not, and a failed turn is counted as an error.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StatusSnapshot } from '../../src/server/status-snapshot.ts';
import { errorReply, textReply, type RecordedRequest } from '../support/fake-upstream.ts';
import { sample, sampleSum } from '../support/prometheus-sample.ts';
import { startTestProxy, type TestProxy } from '../support/start-test-proxy.ts';

let proxy: TestProxy;
beforeAll(async () => {
  proxy = await startTestProxy({ settings: { PROXY_API_KEYS: 'cursor:sk-cursor,cline:sk-cline' } });
});
afterAll(async () => proxy.close());

type Api = 'messages' | 'chat' | 'responses';

async function ask(api: Api, key: string, text: string, stream: boolean): Promise<Response> {
  const path = { messages: '/v1/messages', chat: '/v1/chat/completions', responses: '/v1/responses' }[api];
  const body =
    api === 'messages'
      ? { model: 'sonnet', max_tokens: 100, messages: [{ role: 'user', content: text }] }
      : api === 'chat'
        ? { model: 'sonnet', messages: [{ role: 'user', content: text }] }
        : { model: 'sonnet', input: text };
  const response = await fetch(`${proxy.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ ...body, stream }),
  });
  await response.text();
  return response;
}

async function getJson<T>(path: string): Promise<T> {
  return (await (await fetch(`${proxy.url}${path}`, { headers: { authorization: 'Bearer sk-cline' } })).json()) as T;
}

function counted(requests: readonly RecordedRequest[]) {
  const sum = { input: 0, output: 0, cache_read: 0, cache_creation: 0 };
  for (const { sentUsage } of requests) {
    if (sentUsage == null) continue;
    sum.input += sentUsage.input_tokens;
    sum.output += sentUsage.output_tokens;
    sum.cache_read += sentUsage.cache_read_input_tokens;
    sum.cache_creation += sentUsage.cache_creation_input_tokens;
  }
  return sum;
}

describe('metrics and usage agree with the upstream', () => {
  it('count per key every token the upstream reported, on every API, streaming and not, and a failed turn as an error', async () => {
    // Each key's turns get their own figures, so a token counted for the wrong key or twice shows.
    proxy.upstream.when(
      'obs-cursor',
      textReply('For cursor.', { usage: { input_tokens: 101, output_tokens: 7, cache_read_input_tokens: 40, cache_creation_input_tokens: 3 } }),
    );
    proxy.upstream.when(
      'obs-cline',
      textReply('For cline.', { usage: { input_tokens: 205, output_tokens: 11, cache_read_input_tokens: 0, cache_creation_input_tokens: 9 } }),
    );
    proxy.upstream.when('obs-fail', errorReply(529, 'overloaded_error', 'Overloaded'));
    const apis: Api[] = ['messages', 'chat', 'responses'];
    for (const [index, api] of apis.entries()) {
      expect((await ask(api, 'sk-cursor', `obs-cursor ${index}`, index % 2 === 0)).status).toBe(200);
      expect((await ask(api, 'sk-cline', `obs-cline ${index}`, index % 2 === 1)).status).toBe(200);
    }
    expect((await ask('messages', 'sk-cline', 'obs-fail', false)).status).toBe(529);
    const perKey = { cursor: counted(proxy.upstream.modelRequests('obs-cursor')), cline: counted(proxy.upstream.modelRequests('obs-cline')) };
    expect(perKey.cursor.input).toBe(3 * 101);
    expect(perKey.cline.output).toBe(3 * 11);

    // The reports come in as each turn ends; the figures must then be complete.
    await expect.poll(() => proxy.reports.length).toBeGreaterThanOrEqual(7);
    const metrics = await (await fetch(`${proxy.url}/metrics`, { headers: { authorization: 'Bearer sk-cursor' } })).text();
    for (const key of ['cursor', 'cline'] as const) {
      for (const type of ['input', 'output', 'cache_read', 'cache_creation'] as const) {
        expect(sampleSum(metrics, 'claude_proxy_tokens_total', { key, type }), `${key} ${type}`).toBe(perKey[key][type]);
      }
    }
    const modelCalls = proxy.upstream.modelRequests('obs-cursor').length + proxy.upstream.modelRequests('obs-cline').length;
    expect(sampleSum(metrics, 'claude_proxy_turns_total', { outcome: 'completed' })).toBe(modelCalls);
    expect(sample(metrics, 'claude_proxy_upstream_errors_total', { status: '529', kind: 'overloaded' })).toBe(1);
    for (const api of apis) expect(sampleSum(metrics, 'claude_proxy_requests_total', { api, status: '200' }), api).toBe(2);
    expect(sampleSum(metrics, 'claude_proxy_time_to_first_token_seconds_count')).toBe(modelCalls);

    const usage = await getJson<{ data: Array<Record<string, unknown>> }>('/v1/usage');
    const today = new Date().toISOString().slice(0, 10);
    expect(usage.data).toEqual([
      expect.objectContaining({
        date: today,
        key: 'cline',
        requests: 4,
        errors: 1,
        input_tokens: perKey.cline.input,
        output_tokens: perKey.cline.output,
        cache_read_input_tokens: perKey.cline.cache_read,
        cache_creation_input_tokens: perKey.cline.cache_creation,
      }),
      expect.objectContaining({
        date: today,
        key: 'cursor',
        requests: 3,
        errors: 0,
        input_tokens: perKey.cursor.input,
        output_tokens: perKey.cursor.output,
        cache_read_input_tokens: perKey.cursor.cache_read,
        cache_creation_input_tokens: perKey.cursor.cache_creation,
      }),
    ]);

    const status = await getJson<StatusSnapshot>('/v1/status');
    const served = status.recent_requests.filter((request) => request.status === 200);
    expect(served).toHaveLength(6);
    expect(served.every((request) => request.served != null && request.ttft_ms != null)).toBe(true);
    expect(served.reduce((sum, request) => sum + request.output_tokens, 0)).toBe(perKey.cursor.output + perKey.cline.output);
  });
});
