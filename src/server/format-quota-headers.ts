/**
 * @module
 * The one place that turns a quota into response headers. Every API gets the generic `x-ratelimit-limit`,
 * `x-ratelimit-remaining` (percent, see quotaPercentLeft) and `x-ratelimit-reset` (RFC 3339); the Messages API also
 * gets the `anthropic-ratelimit-unified-*` headers rebuilt from the CLI's line, the ones Claude Code reads for its
 * usage display and its near-limit warnings. A header is sent only for what the CLI reported.
 */
import { quotaPercentLeft, type Quota, type QuotaWindow } from '../cli/track-quota.ts';

const UNIFIED = 'anthropic-ratelimit-unified';

/** The upstream's abbreviation of each limit in its per-limit header names (as CLI 2.1.332 reads them). */
const WINDOW_ABBREVIATIONS: Readonly<Record<string, string>> = { five_hour: '5h', seven_day: '7d', seven_day_overage_included: '7d_oi', overage: 'overage' };
const WINDOW_FIELDS = ['utilization', 'reset', 'status', 'surpassed-threshold'] as const;

export const GENERIC_QUOTA_HEADERS = ['x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset'] as const;

/** Every header this module can send: to expose them to browsers and to replace one quota's headers by another's. */
export const QUOTA_HEADER_NAMES: readonly string[] = [
  ...GENERIC_QUOTA_HEADERS,
  ...['status', 'reset', 'representative-claim', 'fallback', 'overage-status', 'overage-reset', 'overage-disabled-reason', 'overage-in-use'].map(
    (name) => `${UNIFIED}-${name}`,
  ),
  ...Object.values(WINDOW_ABBREVIATIONS).flatMap((abbreviation) => WINDOW_FIELDS.map((field) => `${UNIFIED}-${abbreviation}-${field}`)),
];

/** RFC 3339 in UTC, whole seconds. */
export function formatResetTime(epochMs: number): string {
  return new Date(epochMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function formatQuotaHeaders(quota: Quota, options: { anthropic: boolean }): Record<string, string> {
  const headers: Record<string, string> = {};
  const left = quotaPercentLeft(quota);
  if (left != null) {
    headers['x-ratelimit-limit'] = String(left.limit);
    headers['x-ratelimit-remaining'] = String(left.remaining);
  }
  if (quota.resetsAt != null) headers['x-ratelimit-reset'] = formatResetTime(quota.resetsAt * 1000);
  if (options.anthropic) Object.assign(headers, unifiedHeaders(quota));
  return headers;
}

function unifiedHeaders(quota: Quota): Record<string, string> {
  const headers: Record<string, string> = {};
  const set = (name: string, value: string | number | undefined): void => {
    if (value != null) headers[`${UNIFIED}-${name}`] = String(value);
  };
  set('status', quota.status);
  set('reset', quota.resetsAt);
  set('representative-claim', quota.type);
  if (quota.fallbackAvailable === true) set('fallback', 'available');
  set('overage-status', quota.overage.status);
  set('overage-reset', quota.overage.resetsAt);
  set('overage-disabled-reason', quota.overage.disabledReason);
  if (quota.overage.inUse) set('overage-in-use', 'true');
  // CLI 2.1.197 names no limits one by one: the representative one is the line's own fields.
  const windows: Record<string, QuotaWindow> = { ...quota.windows };
  if (quota.type != null && windows[quota.type] == null) {
    windows[quota.type] = { utilization: quota.utilization, resetsAt: quota.resetsAt, status: quota.status, surpassedThreshold: quota.surpassedThreshold };
  }
  for (const [type, window] of Object.entries(windows)) {
    const abbreviation = WINDOW_ABBREVIATIONS[type];
    if (abbreviation == null) continue;
    set(`${abbreviation}-utilization`, window.utilization);
    set(`${abbreviation}-reset`, window.resetsAt);
    set(`${abbreviation}-status`, window.status);
    set(`${abbreviation}-surpassed-threshold`, window.surpassedThreshold);
  }
  return headers;
}
