/**
 * @module
 * A turn's quota headers. They start from the latest quota known proxy-wide (all a streaming response can carry: its
 * headers leave before its own turn's quota line, which follows message_stop), and are replaced by the turn's own
 * when it arrives before the response is sent (a non-streaming answer, a rejection). A 429 always says when to come
 * back: `retry-after` and `x-ratelimit-reset`.
 */
import type { FastifyReply } from 'fastify';
import type { CliRateLimitInfo } from '../cli/cli-lines.ts';
import { isQuotaCurrent, type Quota } from '../cli/track-quota.ts';
import { ProxyError } from '../errors.ts';
import { formatQuotaHeaders, formatResetTime, QUOTA_HEADER_NAMES } from './format-quota-headers.ts';
import type { LatestQuota } from './latest-quota.ts';

/**
 * A 429 whose reset time the CLI does not know (an API-key login, or the upstream's short-term throttle, "not your
 * usage limit") is retried after a minute: the window of the upstream's per-minute limits.
 */
export const FALLBACK_RETRY_AFTER_SECONDS = 60;

/** The logins whose CLI reports the quota (`claude auth status` names them so): a claude.ai login, an OAuth token. */
const SUBSCRIPTION_AUTH_METHODS = new Set(['claude.ai', 'oauth_token']);

export interface TurnQuota {
  /** Whether the turn should read on to the quota line after its answer (streamTurnEvents' awaitQuota). */
  awaited: boolean;
  record: (info: CliRateLimitInfo) => void;
  /**
   * The turn starts (again) on a subscription account: its headers become that account's latest quota, and what an
   * earlier attempt on another account reported (its rejection) is forgotten.
   */
  startOn: (quota: Quota | undefined) => void;
  /** The turn's events; a 429 among them gets its reset time on the reply. */
  guard: <T>(events: AsyncIterable<T>) => AsyncGenerator<T>;
}

export function quotaOfTurn(
  reply: FastifyReply,
  latest: LatestQuota,
  /** `subscription`: the turn runs under a subscription login whatever the CLI's own says (an account of ACCOUNTS_DIR). */
  options: { now: () => number; anthropic: boolean; authMethod: string | undefined; subscription?: boolean },
): TurnQuota {
  let own: Quota | undefined;
  const apply = (quota: Quota): void => {
    // Once the stream has begun the headers are gone; the quota still counts for the next responses.
    if (reply.sent || reply.raw.headersSent) return;
    for (const name of QUOTA_HEADER_NAMES) reply.removeHeader(name);
    void reply.headers(formatQuotaHeaders(quota, { anthropic: options.anthropic }));
  };
  const clear = (): void => {
    if (reply.sent || reply.raw.headersSent) return;
    for (const name of QUOTA_HEADER_NAMES) reply.removeHeader(name);
  };
  const known = latest.current;
  if (known != null && isQuotaCurrent(known, options.now())) apply(known);
  return {
    awaited: known != null || options.subscription === true || (options.authMethod != null && SUBSCRIPTION_AUTH_METHODS.has(options.authMethod)),
    record: (info) => {
      own = latest.record(info, options.now());
      apply(own);
    },
    startOn: (quota) => {
      own = undefined;
      clear();
      if (quota != null && isQuotaCurrent(quota, options.now())) apply(quota);
    },
    guard: async function* <T>(events: AsyncIterable<T>): AsyncGenerator<T> {
      try {
        yield* events;
      } catch (error) {
        if (error instanceof ProxyError && error.status === 429 && !reply.sent && !reply.raw.headersSent) {
          const retryAfterSeconds = error.retryAfterSeconds ?? FALLBACK_RETRY_AFTER_SECONDS;
          if (error.retryAfterSeconds == null) void reply.header('retry-after', String(retryAfterSeconds));
          const resetAt = own?.status === 'rejected' && own.resetsAt != null ? own.resetsAt * 1000 : options.now() + retryAfterSeconds * 1000;
          void reply.header('x-ratelimit-reset', formatResetTime(resetAt));
        }
        throw error;
      }
    },
  };
}
