/**
 * Upstream and CLI failures relayed through the real CLI reach the client in Anthropic's shape with the status the
 * real API would use. (Bad input, auth and body size need no CLI: they are in test/in-process.)
 */
import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorReply, textReply } from '../support/fake-upstream.ts';
import { anthropicFailure as failure } from '../support/anthropic-failure.ts';
import { startTestProxy, type TestProxy } from '../support/start-test-proxy.ts';

let proxy: TestProxy;
let client: Anthropic;

beforeAll(async () => {
  proxy = await startTestProxy({ settings: { STREAM_IDLE_TIMEOUT_MS: '2000', STREAM_QUIET_TIMEOUT_MS: '2000' } });
  client = new Anthropic({ baseURL: proxy.url, apiKey: 'x', maxRetries: 0 });
});
afterAll(async () => proxy.close());

const ask = (content: string, model = 'sonnet') => client.messages.create({ model, max_tokens: 10, messages: [{ role: 'user', content }] });

describe('upstream errors relayed by the CLI', () => {
  it.each([
    [429, 'rate_limit_error', Anthropic.RateLimitError],
    [500, 'api_error', Anthropic.InternalServerError],
    [529, 'overloaded_error', Anthropic.InternalServerError],
    [400, 'invalid_request_error', Anthropic.BadRequestError],
  ] as const)('maps upstream %i to %s', async (status, type, errorClass) => {
    const marker = `marker-upstream-${status}`;
    proxy.upstream.when(marker, errorReply(status, type, `upstream says ${status}`));
    const error = await failure(ask(marker));
    expect(error).toBeInstanceOf(errorClass);
    expect(error.status).toBe(status);
    expect(error.error).toMatchObject({ type: 'error', error: { type } });
    // The CLI does not retry (CLAUDE_CODE_MAX_RETRIES=0): the client owns retries.
    expect(proxy.upstream.modelRequests(marker)).toHaveLength(1);
  });

  it('maps an upstream error on a streaming request to an HTTP error status, before any event', async () => {
    proxy.upstream.when('marker-stream-429', errorReply(429, 'rate_limit_error', 'slow down'));
    const error = await failure(
      client.messages.stream({ model: 'sonnet', max_tokens: 10, messages: [{ role: 'user', content: 'marker-stream-429' }] }).finalMessage(),
    );
    expect(error).toBeInstanceOf(Anthropic.RateLimitError);
  });

  it('ends a stream that stalls mid-way with an error event (idle watchdog) and stops the CLI', async () => {
    proxy.upstream.when('marker-stall', textReply('never finished', { chunks: ['never', ' finished'], interrupt: { afterEvents: 3, mode: 'stall' } }));
    const stream = client.messages.stream({ model: 'sonnet', max_tokens: 10, messages: [{ role: 'user', content: 'marker-stall' }] });
    const texts: string[] = [];
    stream.on('text', (text) => texts.push(text));
    const error = await failure(stream.finalMessage());
    expect(texts).toEqual(['never']);
    expect(error.error).toMatchObject({ type: 'error', error: { type: 'timeout_error', message: expect.stringContaining('STREAM_IDLE_TIMEOUT_MS') } });
    await expect.poll(() => proxy.runner.activeCount()).toBe(0);
  });

  it('answers 504 when nothing comes before the idle limit on a non-streaming request', async () => {
    proxy.upstream.when('marker-hang', { kind: 'hang' });
    const error = await failure(ask('marker-hang'));
    expect(error.status).toBe(504);
    expect(error.error).toMatchObject({ error: { type: 'timeout_error' } });
  });
});

describe('CLI failures', () => {
  it('says the CLI is not logged in, with how to fix it, as a 401', async () => {
    const loggedOut = await startTestProxy({ cliEnvironment: { ANTHROPIC_API_KEY: '' } });
    try {
      const sdk = new Anthropic({ baseURL: loggedOut.url, apiKey: 'x', maxRetries: 0 });
      const error = await failure(sdk.messages.create({ model: 'sonnet', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }));
      expect(error).toBeInstanceOf(Anthropic.AuthenticationError);
      expect(error.message).toContain('claude auth login');
      const health = await fetch(`${loggedOut.url}/health`);
      expect(health.status).toBe(503);
      expect(await health.json()).toMatchObject({ status: 'degraded', cli: { logged_in: false } });
    } finally {
      await loggedOut.close();
    }
  });

  it('reports a CLI that cannot be started as a 500 naming the path', async () => {
    const broken = await startTestProxy();
    try {
      // Swap the runner's binary for one that does not exist.
      (broken.runner as unknown as { settings: { claudePath: string } }).settings.claudePath = '/nonexistent/claude';
      const sdk = new Anthropic({ baseURL: broken.url, apiKey: 'x', maxRetries: 0 });
      const error = await failure(sdk.messages.create({ model: 'sonnet', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }));
      expect(error.status).toBe(500);
      expect(error.message).toContain('/nonexistent/claude');
    } finally {
      await broken.close();
    }
  });
});
