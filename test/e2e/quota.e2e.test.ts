/**
 * The subscription quota on every response, under a subscription login (an OAuth token) against the fake upstream,
 * whose replies carry the `anthropic-ratelimit-unified-*` headers the real API sends: the CLI reports them in its
 * `rate_limit_event` line, the proxy turns them into x-ratelimit-* headers on all three APIs (and the unified ones on
 * the Messages API), a 429 with its reset time, and the quota in /health.
 */
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { busyCliProcesses } from '../support/cli-processes.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareVersions } from '../../src/cli/tested-cli-versions.ts';
import { errorReply, textReply } from '../support/fake-upstream.ts';
import { sample } from '../support/prometheus-sample.ts';
import { inSeconds, rfc3339, unifiedHeaders } from '../support/unified-quota-headers.ts';
import type { StatusSnapshot } from '../../src/server/status-snapshot.ts';
import { CLI_VERSION, startTestProxy, type TestProxy } from '../support/start-test-proxy.ts';

/** Measured: CLI 2.1.197 reports a fraction used only past a warning threshold; 2.1.332 reports one per limit always. */
const REPORTS_UTILIZATION = compareVersions(CLI_VERSION, '2.1.332') >= 0;
const ORIGIN = 'http://app.example';

let proxy: TestProxy;
let anthropic: Anthropic;
let openai: OpenAI;

beforeAll(async () => {
  proxy = await startTestProxy({
    settings: { CORS_ORIGINS: ORIGIN },
    cliEnvironment: { ANTHROPIC_API_KEY: undefined, CLAUDE_CODE_OAUTH_TOKEN: 'sk-ant-oat01-test' },
  });
  anthropic = new Anthropic({ baseURL: proxy.url, apiKey: 'x', maxRetries: 0 });
  openai = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: 'x', maxRetries: 0 });
});
afterAll(async () => proxy.close());

/** A reply that reports an allowed quota: `fiveHour` used, resetting at `reset`. */
function allowed(marker: string, fiveHour: number, reset: number): void {
  proxy.upstream.when(marker, textReply(`answer ${marker}`, { headers: unifiedHeaders({ status: 'allowed', fiveHour, reset }) }));
}

async function healthQuota(): Promise<any> {
  return ((await (await fetch(`${proxy.url}/health`)).json()) as { quota: unknown }).quota;
}

async function failure(promise: Promise<unknown>): Promise<InstanceType<typeof Anthropic.APIError>> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof Anthropic.APIError || error instanceof OpenAI.APIError) return error as InstanceType<typeof Anthropic.APIError>;
    throw error;
  }
  throw new Error('expected the request to fail');
}

const message = (content: string) => ({ model: 'sonnet', max_tokens: 10, messages: [{ role: 'user' as const, content }] });
const chat = (content: string) => ({ model: 'sonnet', messages: [{ role: 'user' as const, content }] });

describe('quota headers', () => {
  it('are absent, and /health has no quota, before the CLI reported one', async () => {
    expect(await healthQuota()).toBeNull();
  });

  it("carry the turn's own quota on a non-streaming Messages response, with the unified headers", async () => {
    const reset = inSeconds(3600);
    allowed('marker-quota-messages', 0.25, reset);
    const { data, response } = await anthropic.messages.create(message('marker-quota-messages')).withResponse();
    expect(data.content).toEqual([expect.objectContaining({ text: 'answer marker-quota-messages' })]);
    expect(response.headers.get('x-ratelimit-reset')).toBe(rfc3339(reset));
    expect(response.headers.get('anthropic-ratelimit-unified-status')).toBe('allowed');
    expect(response.headers.get('anthropic-ratelimit-unified-reset')).toBe(String(reset));
    expect(response.headers.get('anthropic-ratelimit-unified-representative-claim')).toBe('five_hour');
    expect(response.headers.get('anthropic-ratelimit-unified-overage-status')).toBe('rejected');
    if (REPORTS_UTILIZATION) {
      expect(response.headers.get('x-ratelimit-limit')).toBe('100');
      expect(response.headers.get('x-ratelimit-remaining')).toBe('75');
      expect(response.headers.get('anthropic-ratelimit-unified-5h-utilization')).toBe('0.25');
      expect(response.headers.get('anthropic-ratelimit-unified-7d-utilization')).toBe('0.1');
    } else {
      expect(response.headers.get('x-ratelimit-remaining')).toBeNull();
    }
  });

  it('carry the latest known quota on a streaming Messages response (its own comes after its last event)', async () => {
    const earlier = inSeconds(1000);
    const own = inSeconds(2000);
    allowed('marker-quota-before-stream', 0.3, earlier);
    await anthropic.messages.create(message('marker-quota-before-stream'));
    allowed('marker-quota-stream', 0.4, own);
    const { data: stream, response } = await anthropic.messages.create({ ...message('marker-quota-stream'), stream: true }).withResponse();
    const types: string[] = [];
    for await (const event of stream) types.push(event.type);
    expect(types.at(-1)).toBe('message_stop');
    expect(response.headers.get('x-ratelimit-reset')).toBe(rfc3339(earlier));
    expect(response.headers.get('anthropic-ratelimit-unified-reset')).toBe(String(earlier));
    if (REPORTS_UTILIZATION) expect(response.headers.get('x-ratelimit-remaining')).toBe('70');
    // The stream's own quota is known once it ended: the next responses carry it.
    expect(await healthQuota()).toMatchObject({ status: 'allowed', resets_at: rfc3339(own) });
  });

  it('are on Chat Completions responses, streaming and not, without the Anthropic-only headers', async () => {
    const own = inSeconds(3000);
    allowed('marker-quota-chat', 0.5, own);
    const { response } = await openai.chat.completions.create(chat('marker-quota-chat')).withResponse();
    expect(response.headers.get('x-ratelimit-reset')).toBe(rfc3339(own));
    if (REPORTS_UTILIZATION) expect(response.headers.get('x-ratelimit-remaining')).toBe('50');
    expect(response.headers.get('anthropic-ratelimit-unified-status')).toBeNull();

    allowed('marker-quota-chat-stream', 0.6, inSeconds(3100));
    const { data: stream, response: streamed } = await openai.chat.completions.create({ ...chat('marker-quota-chat-stream'), stream: true }).withResponse();
    for await (const _chunk of stream) void _chunk;
    expect(streamed.headers.get('x-ratelimit-reset')).toBe(rfc3339(own));
    if (REPORTS_UTILIZATION) expect(streamed.headers.get('x-ratelimit-limit')).toBe('100');
  });

  it('are on Responses API responses, streaming and not', async () => {
    const own = inSeconds(4000);
    allowed('marker-quota-responses', 0.7, own);
    const { data, response } = await openai.responses.create({ model: 'sonnet', input: 'marker-quota-responses' }).withResponse();
    expect(data.output_text).toBe('answer marker-quota-responses');
    expect(response.headers.get('x-ratelimit-reset')).toBe(rfc3339(own));
    if (REPORTS_UTILIZATION) expect(response.headers.get('x-ratelimit-remaining')).toBe('30');

    allowed('marker-quota-responses-stream', 0.8, inSeconds(4100));
    const { data: stream, response: streamed } = await openai.responses
      .create({ model: 'sonnet', input: 'marker-quota-responses-stream', stream: true })
      .withResponse();
    const types: string[] = [];
    for await (const event of stream) types.push(event.type);
    expect(types.at(-1)).toBe('response.completed');
    expect(streamed.headers.get('x-ratelimit-reset')).toBe(rfc3339(own));
  });

  it("reads the turn's quota line without losing the process kept for the conversation's next turn", async () => {
    allowed('marker-quota-first', 0.1, inSeconds(600));
    // Earlier turns' processes are parked first, so that the one this conversation's turn leaves is told apart.
    await expect.poll(() => busyCliProcesses(proxy)).toEqual([]);
    const keptBefore = proxy.runner.keptPids();
    const first = await anthropic.messages.create(message('marker-quota-first'));
    // The process is parked just after the answer went out: the next request is sent once it is.
    if (proxy.config.affinitySize > 0) await expect.poll(() => proxy.runner.keptPids().filter((pid) => !keptBefore.includes(pid))).toHaveLength(1);
    allowed('marker-quota-second', 0.11, inSeconds(600));
    const { response } = await anthropic.messages
      .create({
        model: 'sonnet',
        max_tokens: 10,
        messages: [
          { role: 'user', content: 'marker-quota-first' },
          { role: 'assistant', content: first.content },
          { role: 'user', content: 'marker-quota-second' },
        ],
      })
      .withResponse();
    expect(response.headers.get('anthropic-ratelimit-unified-status')).toBe('allowed');
    // The cold project runs without affinity: nothing is kept there.
    if (proxy.config.affinitySize > 0) expect(proxy.reports.at(-1)?.processKind).toBe('kept');
  });

  it('are exposed to browsers (CORS)', async () => {
    allowed('marker-quota-cors', 0.2, inSeconds(5000));
    const response = await fetch(`${proxy.url}/v1/messages`, {
      method: 'POST',
      headers: { origin: ORIGIN, 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify(message('marker-quota-cors')),
    });
    expect(response.status).toBe(200);
    const exposed = (response.headers.get('access-control-expose-headers') ?? '').split(/,\s*/);
    expect(exposed).toEqual(expect.arrayContaining(['x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset', 'anthropic-ratelimit-unified-status']));
    expect(response.headers.get('x-ratelimit-reset')).not.toBeNull();
  });
});

describe('near and over the limit', () => {
  it('serves a request near the limit (allowed_warning) as a success, with the quota headers', async () => {
    const reset = inSeconds(1800);
    proxy.upstream.when(
      'marker-quota-warning',
      textReply('still served', { headers: unifiedHeaders({ status: 'allowed_warning', fiveHour: 0.92, surpassed: 0.9, reset }) }),
    );
    const { data, response } = await anthropic.messages.create(message('marker-quota-warning')).withResponse();
    expect(data.content).toEqual([expect.objectContaining({ text: 'still served' })]);
    expect(response.status).toBe(200);
    expect(response.headers.get('anthropic-ratelimit-unified-status')).toBe('allowed_warning');
    expect(response.headers.get('anthropic-ratelimit-unified-5h-utilization')).toBe('0.92');
    expect(response.headers.get('anthropic-ratelimit-unified-5h-surpassed-threshold')).toBe('0.9');
    expect(response.headers.get('x-ratelimit-limit')).toBe('100');
    expect(response.headers.get('x-ratelimit-remaining')).toBe('8');
    expect(response.headers.get('x-ratelimit-reset')).toBe(rfc3339(reset));
  });

  it.each([false, true])('answers a rejected limit with 429, retry-after and the reset time (stream: %s)', async (stream) => {
    const reset = inSeconds(7200);
    const marker = `marker-quota-rejected-${String(stream)}`;
    proxy.upstream.when(marker, errorReply(429, 'rate_limit_error', 'limit reached', unifiedHeaders({ status: 'rejected', fiveHour: 1, reset })));
    const error = await failure(stream ? anthropic.messages.create({ ...message(marker), stream: true }) : anthropic.messages.create(message(marker)));
    expect(error).toBeInstanceOf(Anthropic.RateLimitError);
    expect(Number(error.headers?.get('retry-after'))).toBeGreaterThanOrEqual(7200 - 60);
    expect(Number(error.headers?.get('retry-after'))).toBeLessThanOrEqual(7200);
    expect(error.headers?.get('x-ratelimit-reset')).toBe(rfc3339(reset));
    expect(error.headers?.get('x-ratelimit-remaining')).toBe('0');
    expect(error.headers?.get('anthropic-ratelimit-unified-status')).toBe('rejected');
  });

  it('gives a 429 without a reset time from the CLI a retry time all the same, on the OpenAI APIs too', async () => {
    proxy.upstream.when('marker-quota-throttled', errorReply(429, 'rate_limit_error', 'slow down', { 'anthropic-ratelimit-unified-status': 'rejected' }));
    const before = Date.now();
    const error = await failure(openai.chat.completions.create(chat('marker-quota-throttled')));
    expect(error.status).toBe(429);
    expect(error.headers?.get('retry-after')).toBe('60');
    const resetAt = Date.parse(error.headers?.get('x-ratelimit-reset') ?? '');
    expect(resetAt).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 + 60_000);
    expect(resetAt).toBeLessThanOrEqual(Date.now() + 61_000);
  });

  it('shows the latest quota in /health', async () => {
    const reset = inSeconds(9000);
    proxy.upstream.when(
      'marker-quota-health',
      errorReply(429, 'rate_limit_error', 'limit reached', unifiedHeaders({ status: 'rejected', fiveHour: 1.0, reset })),
    );
    const started = Date.now();
    await failure(anthropic.messages.create(message('marker-quota-health')));
    const quota = await healthQuota();
    expect(quota).toMatchObject({ status: 'rejected', type: 'five_hour', resets_at: rfc3339(reset), using_overage: false });
    expect(Date.parse(quota.updated_at)).toBeGreaterThanOrEqual(Math.floor(started / 1000) * 1000);
    if (REPORTS_UTILIZATION)
      expect(quota).toMatchObject({ utilization: 1, windows: { five_hour: { utilization: 1, status: 'rejected' }, seven_day: { utilization: 0.1 } } });
  });

  it('shows the quota in /metrics and in the status data, per window with its reset time', async () => {
    const reset = inSeconds(4000);
    allowed('marker-quota-metrics', 0.42, reset);
    await anthropic.messages.create(message('marker-quota-metrics'));
    await expect.poll(async () => ((await (await fetch(`${proxy.url}/v1/status`)).json()) as StatusSnapshot).quota?.resets_at).toBe(rfc3339(reset));
    const metrics = await (await fetch(`${proxy.url}/metrics`)).text();
    expect(sample(metrics, 'claude_proxy_quota_resets_at_seconds', { window: 'five_hour' })).toBe(reset);
    if (REPORTS_UTILIZATION) {
      expect(sample(metrics, 'claude_proxy_quota_utilization', { window: 'five_hour' })).toBe(0.42);
      expect(sample(metrics, 'claude_proxy_quota_utilization', { window: 'seven_day' })).toBe(0.1);
    }
  });
});
