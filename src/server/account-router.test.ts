import { describe, expect, it } from 'vitest';
import type { Account } from '../accounts/account-registry.ts';
import { plainTurnRequest, type TurnRequest } from '../core/turn-request.ts';
import { ProxyError } from '../errors.ts';
import { AccountRouter } from './account-router.ts';

const account = (name: string): Account => ({ name, kind: 'token', environment: { CLAUDE_CODE_OAUTH_TOKEN: `t-${name}` } });
const conversation = (first: string, ...more: string[]): TurnRequest =>
  plainTurnRequest('sonnet', { messages: [first, ...more].map((text, index) => ({ role: index % 2 === 0 ? 'user' : 'assistant', content: text })) });
const quota = (status: string, utilization: number, resetsAt: number) => ({ status, rateLimitType: 'five_hour', utilization, resetsAt });

describe('AccountRouter', () => {
  it('sends a new conversation to the most headroom, spreads equals by turns served, and keeps a conversation on its account', () => {
    const now = 1_000_000;
    const router = new AccountRouter([account('a'), account('b')], new Map(), () => now);
    expect(router.choose(conversation('one'), undefined).name).toBe('a');
    router.recordTurn('a');
    // Nothing reported: equal headroom, b served fewer turns.
    expect(router.choose(conversation('two'), undefined).name).toBe('b');
    router.recordQuota('b', quota('allowed', 0.9, now / 1000 + 3600));
    expect(router.choose(conversation('three'), undefined).name).toBe('a');
    // A continued conversation stays where it started.
    expect(router.choose(conversation('two', 'answer', 'more'), undefined).name).toBe('b');
  });

  it('passes over a rejected account until its reset, retries elsewhere, and answers 429 when none is left', () => {
    let now = 2_000_000;
    const router = new AccountRouter([account('a'), account('b')], new Map(), () => now);
    router.recordQuota('a', quota('rejected', 1, (now + 60_000) / 1000));
    expect(router.choose(conversation('x'), undefined).name).toBe('b');
    const refused = (() => {
      try {
        router.choose(conversation('y'), undefined, 'b');
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    expect(refused).toBeInstanceOf(ProxyError);
    expect(refused).toMatchObject({ kind: 'rate_limit', retryAfterSeconds: 60 });
    now += 60_001;
    expect(router.choose(conversation('z'), undefined, 'b').name).toBe('a');
    router.coolDown('b', 30);
    expect(router.list().find((state) => state.account.name === 'b')).toMatchObject({ coolingUntil: now + 30_000, rejections: 1 });
  });

  it('serves a bound key from its account only, and refuses an unknown binding', () => {
    const now = 3_000_000;
    const router = new AccountRouter([account('a'), account('b')], new Map([['cursor', 'b']]), () => now);
    expect(router.choose(conversation('one'), 'cursor').name).toBe('b');
    router.coolDown('b', 10);
    expect(() => router.choose(conversation('two'), 'cursor')).toThrow('has hit its limit');
    expect(router.choose(conversation('two'), 'other').name).toBe('a');
    expect(() => new AccountRouter([account('a')], new Map([['cursor', 'nope']]), () => now)).toThrow('does not exist');
  });
});
