/**
 * @module
 * The `anthropic-ratelimit-unified-*` headers the real API sends a subscription login, for the fake upstream's
 * replies: the CLI turns them into its `rate_limit_event` line.
 */

/** Whole seconds from now, as the upstream states reset times. */
export const inSeconds = (seconds: number) => Math.floor(Date.now() / 1000) + seconds;
export const rfc3339 = (epochSeconds: number) => new Date(epochSeconds * 1000).toISOString().replace('.000Z', 'Z');

export function unifiedHeaders(options: { status: string; fiveHour: number; reset: number; sevenDay?: number; surpassed?: number }): Record<string, string> {
  const weekReset = String(inSeconds(5 * 86_400));
  return {
    'anthropic-ratelimit-unified-status': options.status,
    'anthropic-ratelimit-unified-reset': String(options.reset),
    'anthropic-ratelimit-unified-representative-claim': 'five_hour',
    'anthropic-ratelimit-unified-5h-status': options.status,
    'anthropic-ratelimit-unified-5h-reset': String(options.reset),
    'anthropic-ratelimit-unified-5h-utilization': String(options.fiveHour),
    ...(options.surpassed != null ? { 'anthropic-ratelimit-unified-5h-surpassed-threshold': String(options.surpassed) } : {}),
    'anthropic-ratelimit-unified-7d-status': 'allowed',
    'anthropic-ratelimit-unified-7d-reset': weekReset,
    'anthropic-ratelimit-unified-7d-utilization': String(options.sevenDay ?? 0.1),
    'anthropic-ratelimit-unified-overage-status': 'rejected',
    'anthropic-ratelimit-unified-overage-disabled-reason': 'org_level_disabled',
  };
}
