import { describe, expect, it } from 'vitest';
import { ClientDisconnectedError, ProxyError } from '../errors.ts';
import { ConcurrencyGate } from './concurrency-gate.ts';

describe('ConcurrencyGate', () => {
  it('queues beyond the limit and grants slots in order as they are released', async () => {
    const gate = new ConcurrencyGate(1, 60_000);
    const release = await gate.acquire(new AbortController().signal);
    const order: number[] = [];
    const second = gate.acquire(new AbortController().signal).then((done) => (order.push(2), done));
    const third = gate.acquire(new AbortController().signal).then((done) => (order.push(3), done));
    expect(gate.queued).toBe(2);
    release();
    (await second)();
    (await third)();
    expect(order).toEqual([2, 3]);
    expect(gate.inUse).toBe(0);
  });

  it('fails a queued turn with the reason its signal was aborted with, else as a disconnect', async () => {
    const gate = new ConcurrencyGate(1, 60_000);
    await gate.acquire(new AbortController().signal);
    const disconnect = new AbortController();
    const shutdown = new AbortController();
    const left = gate.acquire(disconnect.signal);
    const ended = gate.acquire(shutdown.signal);
    disconnect.abort();
    const reason = new ProxyError('api_error', 'shutting down', { status: 503 });
    shutdown.abort(reason);
    await expect(left).rejects.toBeInstanceOf(ClientDisconnectedError);
    await expect(ended).rejects.toBe(reason);
  });

  it('on close, fails every queued turn and every later one with the shutdown error; running turns keep their slot', async () => {
    const gate = new ConcurrencyGate(1, 60_000);
    const release = await gate.acquire(new AbortController().signal);
    const queued = gate.acquire(new AbortController().signal);
    const error = new ProxyError('api_error', 'shutting down', { status: 503, retryAfterSeconds: 1 });
    gate.close(error);
    await expect(queued).rejects.toBe(error);
    await expect(gate.acquire(new AbortController().signal)).rejects.toBe(error);
    expect(gate.inUse).toBe(1);
    release();
    expect(gate.inUse).toBe(0);
  });
});
