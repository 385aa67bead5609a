/**
 * @module
 * Which subscription account serves a turn (issue 17). A key bound to an account always uses it. Otherwise a
 * conversation stays on the account it started on while it continues (its kept or held process belongs to that
 * account's login), and a new one goes to the account with the most headroom by its latest quota; an account whose
 * quota nobody reported yet counts as unused. An account the upstream rejected (429, usage limit) cools down until its
 * reset time and is passed over meanwhile.
 */
import { createHash } from 'node:crypto';
import type { Account } from '../accounts/account-registry.ts';
import type { CliRateLimitInfo } from '../cli/cli-lines.ts';
import { updateQuota, type Quota } from '../cli/track-quota.ts';
import type { TurnRequest } from '../core/turn-request.ts';
import { ProxyError } from '../errors.ts';

/** A rejection without a reset time: try the account again after this long. */
const DEFAULT_COOL_DOWN_MS = 60_000;
/** Conversations remembered with their account (least recently used forgotten first). */
const REMEMBERED_CONVERSATIONS = 5000;

export interface AccountState {
  account: Account;
  quota: Quota | undefined;
  /** Epoch ms until which the account is passed over; undefined when it is not cooling down. */
  coolingUntil: number | undefined;
  turns: number;
  rejections: number;
  loggedIn: boolean | undefined;
}

export class AccountRouter {
  private readonly states = new Map<string, AccountState>();
  private readonly conversations = new Map<string, string>();

  constructor(
    accounts: readonly Account[],
    private readonly keyAccounts: ReadonlyMap<string, string>,
    private readonly now: () => number,
  ) {
    for (const account of accounts)
      this.states.set(account.name, { account, quota: undefined, coolingUntil: undefined, turns: 0, rejections: 0, loggedIn: undefined });
    for (const [key, name] of keyAccounts) {
      if (!this.states.has(name)) throw new Error(`the key "${key}" is bound to the account "${name}", which does not exist`);
    }
  }

  get enabled(): boolean {
    return this.states.size > 0;
  }

  list(): readonly AccountState[] {
    return [...this.states.values()];
  }

  /**
   * The account for this turn, or a 429 when every account it may use is cooling down. `excluding` is the account
   * that was just rejected (the one retry goes elsewhere).
   */
  choose(turn: TurnRequest, key: string | undefined, excluding?: string): Account {
    const now = this.now();
    const bound = key != null ? this.keyAccounts.get(key) : undefined;
    if (bound != null) return this.usable(this.states.get(bound)!, now, excluding);
    const conversation = conversationKey(turn);
    const previous = this.conversations.get(conversation);
    const stayed = previous != null ? this.states.get(previous) : undefined;
    if (stayed != null && stayed.account.name !== excluding && stayed.loggedIn !== false && !isCooling(stayed, now)) {
      return this.remember(conversation, stayed.account);
    }
    // An account whose login the CLI reported missing at start-up serves nothing.
    const candidates = [...this.states.values()].filter((state) => state.account.name !== excluding && state.loggedIn !== false && !isCooling(state, now));
    if (candidates.length === 0) throw allCooling([...this.states.values()], now);
    // The most headroom first; among equals the one that served fewest turns, so that load spreads.
    candidates.sort((a, b) => headroom(b, now) - headroom(a, now) || a.turns - b.turns);
    return this.remember(conversation, candidates[0]!.account);
  }

  recordQuota(name: string, info: CliRateLimitInfo): void {
    const state = this.states.get(name);
    if (state == null) return;
    state.quota = updateQuota(info, this.now());
    if (state.quota.status === 'rejected') extendCooling(state, this.now(), undefined);
  }

  recordTurn(name: string): void {
    const state = this.states.get(name);
    if (state != null) state.turns += 1;
  }

  /** The account's latest quota: a turn on it starts with these headers (a stream's cannot wait for its own). */
  quotaOf(name: string): Quota | undefined {
    return this.states.get(name)?.quota;
  }

  /** The upstream rejected the account: passed over until its limit resets (the quota's reset, else `retryAfterSeconds`). */
  coolDown(name: string, retryAfterSeconds: number | undefined): void {
    const state = this.states.get(name);
    if (state == null) return;
    extendCooling(state, this.now(), retryAfterSeconds);
    state.rejections += 1;
  }

  /** What the CLI said of the account's login at start-up (`claude auth status` with its environment). */
  recordLogin(name: string, loggedIn: boolean | undefined): void {
    const state = this.states.get(name);
    if (state != null) state.loggedIn = loggedIn;
  }

  private usable(state: AccountState, now: number, excluding: string | undefined): Account {
    if (state.account.name === excluding || isCooling(state, now)) throw allCooling([state], now);
    return state.account;
  }

  private remember(conversation: string, account: Account): Account {
    this.conversations.delete(conversation);
    this.conversations.set(conversation, account.name);
    if (this.conversations.size > REMEMBERED_CONVERSATIONS) this.conversations.delete(this.conversations.keys().next().value!);
    return account;
  }
}

/** Until the rejected limit resets: the quota's reset time, else `retryAfterSeconds` from the error, else a minute. */
function extendCooling(state: AccountState, now: number, retryAfterSeconds: number | undefined): void {
  const resetsAt = state.quota?.status === 'rejected' && state.quota.resetsAt != null ? state.quota.resetsAt * 1000 : undefined;
  const until = resetsAt ?? (retryAfterSeconds != null ? now + retryAfterSeconds * 1000 : now + DEFAULT_COOL_DOWN_MS);
  if (state.coolingUntil == null || state.coolingUntil < until) state.coolingUntil = until;
}

function isCooling(state: AccountState, now: number): boolean {
  return state.coolingUntil != null && state.coolingUntil > now;
}

/**
 * 1 for an account with nothing used (or nothing reported), 0 for one rejected or used up. A window whose reset time
 * has passed has started afresh: what it said before counts no more.
 */
function headroom(state: AccountState, now: number): number {
  const quota = state.quota;
  if (quota == null) return 1;
  const current = (resetsAt: number | undefined) => resetsAt == null || resetsAt * 1000 > now;
  if (quota.status === 'rejected' && current(quota.resetsAt)) return 0;
  const used = [
    current(quota.resetsAt) ? (quota.utilization ?? 0) : 0,
    ...Object.values(quota.windows).map((window) => (current(window.resetsAt) ? (window.utilization ?? 0) : 0)),
  ];
  return Math.max(0, 1 - Math.max(...used));
}

function allCooling(states: readonly AccountState[], now: number): ProxyError {
  const until = Math.min(...states.map((state) => state.coolingUntil ?? now + DEFAULT_COOL_DOWN_MS));
  const seconds = Math.max(1, Math.ceil((until - now) / 1000));
  return new ProxyError(
    'rate_limit',
    `every subscription account this request may use has hit its limit; the first one resets at ${new Date(until).toISOString()}`,
    { retryAfterSeconds: seconds },
  );
}

/**
 * The conversation a turn belongs to: its system prompt and first message, which its later turns repeat. Two
 * conversations that start alike share an account, which costs nothing but spread.
 */
function conversationKey(turn: TurnRequest): string {
  // An image's or document's base64 stands in by its length: megabytes hashed on every request would cost more than
  // the rare collision of two same-sized attachments under the same words.
  const compact = JSON.stringify([turn.system, turn.messages[0] ?? null], (name, value: unknown) =>
    name === 'data' && typeof value === 'string' ? `${value.length} bytes` : value,
  );
  return createHash('sha256').update(compact).digest('base64url');
}
