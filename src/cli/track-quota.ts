/**
 * @module
 * PURE. The subscription quota as the CLI last reported it. With a subscription login the CLI turns the upstream's
 * `anthropic-ratelimit-unified-*` headers into one `rate_limit_event` line per model call (cli-lines.ts); with an API
 * key it writes none, and the quota stays unknown. The server keeps the latest one proxy-wide (a streaming
 * response's headers leave before its own turn's line arrives) and formats it as headers and for /health.
 */
import type { CliRateLimitInfo } from './cli-lines.ts';

export interface QuotaWindow {
  /** Fraction used, 0 to 1 (past 1 when over). */
  utilization: number | undefined;
  /** Epoch seconds. */
  resetsAt: number | undefined;
  status: string | undefined;
  surpassedThreshold: number | undefined;
}

export interface Quota {
  /** `allowed`, `allowed_warning` (near the limit, still served) or `rejected`; another value from a newer upstream passes through. */
  status: string;
  /** The limit that decides the status (`five_hour`, `seven_day`, ...): the upstream's representative claim. */
  type: string | undefined;
  /** Epoch seconds when that limit resets. */
  resetsAt: number | undefined;
  /** Fraction of that limit used, when the CLI says (2.1.197: only past a warning threshold). */
  utilization: number | undefined;
  surpassedThreshold: number | undefined;
  /** Every limit the upstream reported, by type (CLI 2.1.332 and later). */
  windows: Readonly<Record<string, QuotaWindow>>;
  overage: { status: string | undefined; resetsAt: number | undefined; disabledReason: string | undefined; inUse: boolean };
  fallbackAvailable: boolean | undefined;
  /** Milliseconds since the epoch, when the proxy read the line. */
  updatedAt: number;
}

/**
 * The quota after one `rate_limit_event`. Each line is the upstream's whole latest word (it reports every limit on
 * every response), so it replaces what was known rather than merging with it: a field it lacks is unknown now.
 */
export function updateQuota(info: CliRateLimitInfo, now: number): Quota {
  const windows: Record<string, QuotaWindow> = {};
  for (const [type, window] of Object.entries(info.unifiedWindows ?? {})) {
    windows[type] = {
      utilization: window.utilization ?? undefined,
      resetsAt: window.resetsAt ?? undefined,
      status: window.status ?? undefined,
      surpassedThreshold: window.surpassedThreshold ?? undefined,
    };
  }
  const type = info.rateLimitType ?? undefined;
  const representative = type != null ? windows[type] : undefined;
  return {
    status: info.status,
    type,
    resetsAt: info.resetsAt ?? representative?.resetsAt ?? undefined,
    utilization: info.utilization ?? representative?.utilization ?? undefined,
    surpassedThreshold: info.surpassedThreshold ?? representative?.surpassedThreshold ?? undefined,
    windows,
    overage: {
      status: info.overageStatus ?? undefined,
      resetsAt: info.overageResetsAt ?? undefined,
      disabledReason: info.overageDisabledReason ?? undefined,
      inUse: info.isUsingOverage === true,
    },
    fallbackAvailable: info.unifiedRateLimitFallbackAvailable ?? undefined,
    updatedAt: now,
  };
}

/**
 * The quota as a count a generic client understands: a limit of 100 and the percent left of the limit that decides
 * the status. The upstream states no request or token counts for a subscription, only fractions. A rejected limit has
 * nothing left, whatever fraction was reported; without a fraction there is no count to give.
 */
export function quotaPercentLeft(quota: Quota): { limit: number; remaining: number } | undefined {
  if (quota.status === 'rejected') return { limit: 100, remaining: 0 };
  if (quota.utilization == null) return undefined;
  return { limit: 100, remaining: Math.min(100, Math.max(0, Math.round((1 - quota.utilization) * 100))) };
}

/**
 * Whether a quota read earlier still describes now: once its limit has reset, its status and fraction are history.
 * One without a reset time cannot be judged and is kept.
 */
export function isQuotaCurrent(quota: Quota, now: number): boolean {
  return quota.resetsAt == null || quota.resetsAt * 1000 > now;
}
