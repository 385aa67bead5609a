import type { RawMessageStreamEvent } from '@anthropic-ai/sdk/resources/messages';
import { describe, expect, it } from 'vitest';
import type { Account } from '../accounts/account-registry.ts';
import { plainTurnRequest } from '../core/turn-request.ts';
import { ProxyError } from '../errors.ts';
import { AccountRouter } from './account-router.ts';
import { turnOnAccounts } from './turn-on-accounts.ts';

const account = (name: string): Account => ({ name, kind: 'token', environment: {} });
const turn = plainTurnRequest('sonnet', { messages: [{ role: 'user', content: 'hi' }] });
const ping = { type: 'ping' } as unknown as RawMessageStreamEvent;
const log = { info: () => undefined };

/** An attempt the upstream refuses before its first event. */
function failing(error: Error): AsyncIterable<RawMessageStreamEvent> {
  return { [Symbol.asyncIterator]: () => ({ next: () => Promise.reject(error) }) };
}

const firstOf = (events: AsyncIterable<RawMessageStreamEvent>) => events[Symbol.asyncIterator]().next();

describe('turnOnAccounts', () => {
  it('closes the attempt when the consumer stops early (its process and slot are let go)', async () => {
    const router = new AccountRouter([account('a')], new Map(), () => 0);
    let closed = false;
    async function* attempt(): AsyncGenerator<RawMessageStreamEvent> {
      try {
        yield ping;
        yield ping;
      } finally {
        closed = true;
      }
    }
    for await (const _event of turnOnAccounts(router, turn, undefined, attempt, log)) break;
    expect(closed).toBe(true);
  });

  it('tries the extra-usage refusal on another account without resting the first; a limit rests it', async () => {
    const router = new AccountRouter([account('a'), account('b')], new Map(), () => 0);
    const tried: string[] = [];
    const refusal = new ProxyError('billing', 'Third-party apps now draw from your extra usage', { upstream: true });
    const events = turnOnAccounts(
      router,
      turn,
      undefined,
      (chosen) => {
        tried.push(chosen.name);
        return chosen.name === 'a'
          ? failing(refusal)
          : (async function* () {
              yield ping;
            })();
      },
      log,
    );
    for await (const _event of events) void _event;
    expect(tried).toEqual(['a', 'b']);
    expect(router.list().map((state) => state.coolingUntil)).toEqual([undefined, undefined]);

    const limited = new ProxyError('rate_limit', 'limit reached', { upstream: true, retryAfterSeconds: 30 });
    const second = turnOnAccounts(
      router,
      plainTurnRequest('sonnet', { messages: [{ role: 'user', content: 'other' }] }),
      undefined,
      (chosen) => (chosen.name === 'a' ? failing(limited) : failing(limited)),
      log,
    );
    await expect(second[Symbol.asyncIterator]().next()).rejects.toBe(limited);
    expect(router.list().map((state) => state.coolingUntil)).toEqual([30_000, 30_000]);
  });

  it("never moves a turn for the proxy's own 429 (its queue), nor after the first event", async () => {
    const router = new AccountRouter([account('a'), account('b')], new Map(), () => 0);
    const queueFull = new ProxyError('rate_limit', 'queue full');
    await expect(firstOf(turnOnAccounts(router, turn, undefined, () => failing(queueFull), log))).rejects.toBe(queueFull);
    const limited = new ProxyError('rate_limit', 'limit reached', { upstream: true });
    const tried: string[] = [];
    const late = turnOnAccounts(
      router,
      plainTurnRequest('sonnet', { messages: [{ role: 'user', content: 'late' }] }),
      undefined,
      (chosen) => {
        tried.push(chosen.name);
        return (async function* () {
          yield ping;
          throw limited;
        })();
      },
      log,
    );
    const received: unknown[] = [];
    await expect(
      (async () => {
        for await (const event of late) received.push(event);
      })(),
    ).rejects.toBe(limited);
    expect(received).toHaveLength(1);
    expect(tried).toHaveLength(1);
  });
});
