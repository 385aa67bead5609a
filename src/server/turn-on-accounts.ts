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
    let sent = false;
    try {
      // for await: a consumer that stops early closes the attempt's turn too (its process, its slot, its report).
      for await (const event of start(account)) {
        sent = true;
        yield event;
      }
      return;
    } catch (error) {
      if (sent || !isAccountRejection(error)) throw error;
      // The extra-usage refusal is about this request on this account, not its limits: tried elsewhere, no rest.
      if (error.kind === 'rate_limit') router.coolDown(account.name, error.retryAfterSeconds);
      // A login the upstream refuses (an expired or revoked token) rests longer: it will not come back by itself soon.
      if (error.kind === 'authentication') router.coolDown(account.name, LOGIN_REFUSED_REST_SECONDS);
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

/** How long an account whose login the upstream refused is passed over. */
const LOGIN_REFUSED_REST_SECONDS = 600;

/** The upstream refused this account (its limits, its extra-usage rule, its login), not the request itself. */
function isAccountRejection(error: unknown): error is ProxyError {
  return error instanceof ProxyError && error.upstream && (error.kind === 'rate_limit' || error.kind === 'billing' || error.kind === 'authentication');
}
