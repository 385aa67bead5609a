/**
 * @module
 * A turn on the subscription accounts (issue 17): on the account the router chooses, and when the upstream rejects
 * that account (429, a usage limit) before anything was sent to the client, once more on another one; the rejected
 * account cools down until its reset. After the first event the client has part of an answer: an error then is
 * the client's, as without accounts.
 */
import type { RawMessageStreamEvent } from '@anthropic-ai/sdk/resources/messages';
import type { Account } from '../accounts/account-registry.ts';
import type { TurnRequest } from '../core/turn-request.ts';
import { ProxyError } from '../errors.ts';
import type { AccountRouter } from './account-router.ts';

export async function* turnOnAccounts(
  router: AccountRouter,
  turn: TurnRequest,
  key: string | undefined,
  start: (account: Account) => AsyncIterable<RawMessageStreamEvent>,
  log: { info(fields: object, message: string): void },
): AsyncGenerator<RawMessageStreamEvent> {
  let account = router.choose(turn, key);
  for (let attempt = 1; ; attempt += 1) {
    router.recordTurn(account.name);
    const events = start(account)[Symbol.asyncIterator]();
    let sent = false;
    try {
      for (let next = await events.next(); next.done !== true; next = await events.next()) {
        sent = true;
        yield next.value;
      }
      return;
    } catch (error) {
      if (sent || !isAccountRejection(error)) throw error;
      router.coolDown(account.name, error.retryAfterSeconds);
      if (attempt > 1) throw error;
      let other: Account;
      try {
        other = router.choose(turn, key, account.name);
      } catch {
        throw error;
      }
      log.info({ account: account.name, retryOn: other.name, status: error.status }, 'account rejected: the turn goes to another account');
      account = other;
    }
  }
}

/** The upstream refused this account's request for its limits, not for the request itself. */
function isAccountRejection(error: unknown): error is ProxyError {
  return error instanceof ProxyError && error.upstream && (error.kind === 'rate_limit' || error.kind === 'billing');
}
