import { afterEach, describe, expect, it, vi } from 'vitest';
import { ClientDisconnectedError, ProxyError } from '../errors.ts';
import { guardLines, idleLimit, STARTUP_ALLOWANCE_MS, type Watch } from './guard-lines.ts';

const LIMITS = { requestTimeoutMs: 10_000, streamIdleTimeoutMs: 1_000, streamQuietTimeoutMs: 5_000 };

/** An async iterator whose lines the test hands out one by one. */
function controlledLines() {
  const waiting: ((result: IteratorResult<string>) => void)[] = [];
  const iterator: AsyncIterator<string> = { next: () => new Promise((resolve) => waiting.push(resolve)) };
  return { iterator, push: (line: string) => waiting.shift()?.({ value: line, done: false }), end: () => waiting.shift()?.({ value: undefined, done: true }) };
}

afterEach(() => vi.useRealTimers());

async function failureOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error,
  );
}

describe('idleLimit', () => {
  it('allows the start-up allowance before the first line, the text limit while text streams, the quiet limit otherwise', () => {
    expect(idleLimit({ phase: 'quiet' }, LIMITS, true).ms).toBe(STARTUP_ALLOWANCE_MS);
    expect(idleLimit({ phase: 'text' }, LIMITS, false)).toMatchObject({ ms: 1_000, what: expect.stringContaining('STREAM_IDLE_TIMEOUT_MS') });
    expect(idleLimit({ phase: 'quiet' }, LIMITS, false)).toMatchObject({ ms: 5_000, what: expect.stringContaining('STREAM_QUIET_TIMEOUT_MS') });
  });
});

describe('guardLines', () => {
  it('yields the lines and ends with them', async () => {
    const lines = controlledLines();
    const guarded = guardLines(lines.iterator, new AbortController().signal, LIMITS, { phase: 'quiet' });
    const first = guarded.next();
    lines.push('a');
    expect(await first).toEqual({ value: 'a', done: false });
    const second = guarded.next();
    lines.end();
    expect(await second).toEqual({ value: undefined, done: true });
  });

  it('fails with the stall named by the phase when the CLI is silent too long', async () => {
    vi.useFakeTimers();
    const lines = controlledLines();
    const watch: Watch = { phase: 'quiet' };
    const guarded = guardLines(lines.iterator, new AbortController().signal, LIMITS, watch);
    const first = guarded.next();
    lines.push('delta');
    await first;
    watch.phase = 'text';
    const stalled = failureOf(guarded.next());
    await vi.advanceTimersByTimeAsync(1_000);
    expect(await stalled).toMatchObject({ kind: 'timeout', message: expect.stringContaining('STREAM_IDLE_TIMEOUT_MS, while the model was writing text') });
  });

  it('fails with the request timeout, and with the abort reason or a disconnect when the signal fires', async () => {
    vi.useFakeTimers();
    const timedOut = failureOf(
      guardLines(controlledLines().iterator, new AbortController().signal, { ...LIMITS, requestTimeoutMs: 500 }, { phase: 'quiet' }).next(),
    );
    await vi.advanceTimersByTimeAsync(500);
    expect(await timedOut).toMatchObject({ kind: 'timeout', message: expect.stringContaining('REQUEST_TIMEOUT_MS') });

    const disconnect = new AbortController();
    const left = failureOf(guardLines(controlledLines().iterator, disconnect.signal, LIMITS, { phase: 'quiet' }).next());
    disconnect.abort();
    expect(await left).toBeInstanceOf(ClientDisconnectedError);

    const shutdown = new AbortController();
    const ended = failureOf(guardLines(controlledLines().iterator, shutdown.signal, LIMITS, { phase: 'quiet' }).next());
    const reason = new ProxyError('api_error', 'shutting down', { status: 503 });
    shutdown.abort(reason);
    expect(await ended).toBe(reason);
  });
});
