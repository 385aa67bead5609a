/**
 * @module
 * The latest quota as /health and /v1/status show it: times in RFC 3339, every window by name.
 */
import type { Quota } from '../cli/track-quota.ts';
import { formatResetTime } from './format-quota-headers.ts';

/** The subscription quota the CLI last reported (null until one did: never with an API key), times in RFC 3339. */
export function quotaForHealth(quota: Quota | undefined) {
  if (quota == null) return null;
  const at = (epochSeconds: number | undefined) => (epochSeconds != null ? formatResetTime(epochSeconds * 1000) : null);
  return {
    status: quota.status,
    type: quota.type ?? null,
    resets_at: at(quota.resetsAt),
    utilization: quota.utilization ?? null,
    windows: Object.fromEntries(
      Object.entries(quota.windows).map(([type, window]) => [
        type,
        { status: window.status ?? null, utilization: window.utilization ?? null, resets_at: at(window.resetsAt) },
      ]),
    ),
    using_overage: quota.overage.inUse,
    updated_at: formatResetTime(quota.updatedAt),
  };
}
