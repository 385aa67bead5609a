/**
 * The warm pool and the concurrency limit: a request takes a process started ahead of time, excess requests
 * queue and then get a 429 with retry-after, and /health shows the counts.
 */
import Anthropic from '@anthropic-ai/sdk';
import { describe, expect, it } from 'vitest';
import { cliProcessesWithHome } from '../support/cli-processes.ts';
import { textReply } from '../support/fake-upstream.ts';
import { startTestProxy } from '../support/start-test-proxy.ts';

describe('warm pool', () => {
  it('serves a request from a process started ahead of time, then refills the pool', async () => {
    const proxy = await startTestProxy({ settings: { WARM_POOL_SIZE: '1', WARM_MODEL: 'sonnet', AFFINITY_SIZE: '0' } });
    try {
      await expect.poll(() => proxy.runner.warmPids().length).toBe(1);
      const [warmPid] = proxy.runner.warmPids();
      proxy.upstream.when('marker-warm', textReply('x', { chunks: ['a', 'b', 'c', 'd'], eventGapMs: 200 }));
      const client = new Anthropic({ baseURL: proxy.url, apiKey: 'x', maxRetries: 0 });
      const stream = client.messages.stream({ model: 'sonnet', max_tokens: 10, messages: [{ role: 'user', content: 'marker-warm' }] });
      await new Promise<void>((resolve) => stream.once('text', () => resolve()));
      // The process answering is the one that was waiting.
      expect(cliProcessesWithHome(proxy.home)).toContain(warmPid);
      expect(proxy.runner.warmPids()).not.toContain(warmPid);
      await stream.finalMessage();
      // The turn's report says how it was served: a warm process told this request's max_tokens first (the pool
      // was filled with the defaults).
      await expect.poll(() => proxy.reports.length).toBe(1);
      expect(proxy.reports[0]).toMatchObject({
        processKind: 'warm-late-settings',
        outcome: 'completed',
        stopReason: 'end_turn',
        queueWaitMs: expect.any(Number),
        startupMs: expect.any(Number),
        ttftMs: expect.any(Number),
        usage: { outputTokens: expect.any(Number) },
      });
      // Refilled for the next request with the same settings, and the used process is gone.
      await expect.poll(() => proxy.runner.warmPids().length).toBe(1);
      await expect.poll(() => cliProcessesWithHome(proxy.home)).not.toContain(warmPid);
      const health = (await (await fetch(`${proxy.url}/health`)).json()) as { pool: Record<string, number> };
      expect(health.pool).toMatchObject({ in_use: 0, queued: 0, warm_size: 1, warm_idle: 1 });
    } finally {
      await proxy.close();
    }
  });
});

describe('concurrency limit', () => {
  it('queues beyond MAX_CONCURRENT and answers 429 with retry-after when the wait is too long', async () => {
    const proxy = await startTestProxy({ settings: { MAX_CONCURRENT: '1', QUEUE_TIMEOUT_MS: '800' } });
    try {
      proxy.upstream.when('marker-hold', textReply('x', { chunks: Array.from({ length: 40 }, () => '.'), eventGapMs: 100 }));
      const client = new Anthropic({ baseURL: proxy.url, apiKey: 'x', maxRetries: 0 });
      const holding = client.messages.stream({ model: 'sonnet', max_tokens: 10, messages: [{ role: 'user', content: 'marker-hold' }] });
      const held = holding.finalMessage().catch((error: unknown) => error);
      await new Promise<void>((resolve) => holding.once('text', () => resolve()));
      const health = (await (await fetch(`${proxy.url}/health`)).json()) as { pool: Record<string, number> };
      expect(health.pool).toMatchObject({ in_use: 1, max_concurrent: 1 });
      const error = await client.messages
        .create({ model: 'sonnet', max_tokens: 10, messages: [{ role: 'user', content: 'marker-queued' }] })
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(Anthropic.RateLimitError);
      expect((error as InstanceType<typeof Anthropic.APIError>).headers?.get('retry-after')).toBe('1');
      expect((error as InstanceType<typeof Anthropic.APIError>).error).toMatchObject({
        error: { type: 'rate_limit_error', message: expect.stringContaining('MAX_CONCURRENT') },
      });
      expect(proxy.upstream.modelRequests('marker-queued')).toHaveLength(0);
      holding.abort();
      await held;
      // With the slot free again, the next request is served.
      await expect(client.messages.create({ model: 'sonnet', max_tokens: 10, messages: [{ role: 'user', content: 'marker-after' }] })).resolves.toMatchObject({
        type: 'message',
      });
    } finally {
      await proxy.close();
    }
  });

  it('answers a queued streaming request with a real 429 too: no keep-alive commits the stream while it waits', async () => {
    const proxy = await startTestProxy({ settings: { MAX_CONCURRENT: '1', QUEUE_TIMEOUT_MS: '800', KEEPALIVE_INTERVAL_MS: '100' } });
    try {
      proxy.upstream.when('marker-stream-hold', textReply('x', { chunks: Array.from({ length: 40 }, () => '.'), eventGapMs: 100 }));
      const client = new Anthropic({ baseURL: proxy.url, apiKey: 'x', maxRetries: 0 });
      const holding = client.messages.stream({ model: 'sonnet', max_tokens: 10, messages: [{ role: 'user', content: 'marker-stream-hold' }] });
      const held = holding.finalMessage().catch((error: unknown) => error);
      await new Promise<void>((resolve) => holding.once('text', () => resolve()));
      const error = await client.messages
        .stream({ model: 'sonnet', max_tokens: 10, messages: [{ role: 'user', content: 'marker-stream-queued' }] })
        .finalMessage()
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(Anthropic.RateLimitError);
      expect((error as InstanceType<typeof Anthropic.APIError>).headers?.get('retry-after')).toBe('1');
      holding.abort();
      await held;
    } finally {
      await proxy.close();
    }
  });

  it('serves a queued request once a slot frees up within QUEUE_TIMEOUT_MS', async () => {
    const proxy = await startTestProxy({ settings: { MAX_CONCURRENT: '1', QUEUE_TIMEOUT_MS: '20000' } });
    try {
      const client = new Anthropic({ baseURL: proxy.url, apiKey: 'x', maxRetries: 0 });
      const ask = (marker: string) => client.messages.create({ model: 'sonnet', max_tokens: 10, messages: [{ role: 'user', content: marker }] });
      const results = await Promise.all([ask('marker-q1'), ask('marker-q2'), ask('marker-q3')]);
      expect(results.map((message) => message.type)).toEqual(['message', 'message', 'message']);
    } finally {
      await proxy.close();
    }
  });
});
