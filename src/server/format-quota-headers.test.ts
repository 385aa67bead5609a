import { describe, expect, it } from 'vitest';
import { parseCliLine } from '../cli/cli-lines.ts';
import { updateQuota } from '../cli/track-quota.ts';
import { formatQuotaHeaders, formatResetTime, QUOTA_HEADER_NAMES } from './format-quota-headers.ts';

function quotaOf(rateLimitInfo: object) {
  const line = parseCliLine(JSON.stringify({ type: 'rate_limit_event', rate_limit_info: rateLimitInfo }));
  if (line.type !== 'rate_limit_event') throw new Error('not a rate_limit_event');
  return updateQuota(line.rate_limit_info, 0);
}

const RESET = 1796174859;
const WEEK_RESET = 1796430459;

describe('formatQuotaHeaders', () => {
  const warning = quotaOf({
    status: 'allowed_warning',
    resetsAt: RESET,
    rateLimitType: 'five_hour',
    utilization: 0.91,
    surpassedThreshold: 0.9,
    overageStatus: 'rejected',
    overageDisabledReason: 'org_level_disabled',
    isUsingOverage: false,
    unifiedWindows: {
      five_hour: { utilization: 0.91, resetsAt: RESET, status: 'allowed_warning', surpassedThreshold: 0.9 },
      seven_day: { utilization: 0.1, resetsAt: WEEK_RESET, status: 'allowed' },
      seven_day_opus: { utilization: 0.5, resetsAt: WEEK_RESET },
    },
  });

  it('gives every API the generic headers: percent left and the reset time in RFC 3339', () => {
    expect(formatQuotaHeaders(warning, { anthropic: false })).toEqual({
      'x-ratelimit-limit': '100',
      'x-ratelimit-remaining': '9',
      'x-ratelimit-reset': '2026-12-02T01:27:39Z',
    });
  });

  it('rebuilds the unified headers for Anthropic clients, per limit the upstream names', () => {
    expect(formatQuotaHeaders(warning, { anthropic: true })).toEqual({
      'x-ratelimit-limit': '100',
      'x-ratelimit-remaining': '9',
      'x-ratelimit-reset': '2026-12-02T01:27:39Z',
      'anthropic-ratelimit-unified-status': 'allowed_warning',
      'anthropic-ratelimit-unified-reset': String(RESET),
      'anthropic-ratelimit-unified-representative-claim': 'five_hour',
      'anthropic-ratelimit-unified-overage-status': 'rejected',
      'anthropic-ratelimit-unified-overage-disabled-reason': 'org_level_disabled',
      'anthropic-ratelimit-unified-5h-utilization': '0.91',
      'anthropic-ratelimit-unified-5h-reset': String(RESET),
      'anthropic-ratelimit-unified-5h-status': 'allowed_warning',
      'anthropic-ratelimit-unified-5h-surpassed-threshold': '0.9',
      'anthropic-ratelimit-unified-7d-utilization': '0.1',
      'anthropic-ratelimit-unified-7d-reset': String(WEEK_RESET),
      'anthropic-ratelimit-unified-7d-status': 'allowed',
    });
  });

  it('names the deciding limit from the line itself when the CLI lists no limits (2.1.197)', () => {
    const headers = formatQuotaHeaders(
      quotaOf({ status: 'allowed_warning', resetsAt: WEEK_RESET, rateLimitType: 'seven_day', utilization: 0.8, surpassedThreshold: 0.75 }),
      {
        anthropic: true,
      },
    );
    expect(headers).toMatchObject({
      'anthropic-ratelimit-unified-7d-utilization': '0.8',
      'anthropic-ratelimit-unified-7d-reset': String(WEEK_RESET),
      'anthropic-ratelimit-unified-7d-status': 'allowed_warning',
      'anthropic-ratelimit-unified-7d-surpassed-threshold': '0.75',
    });
  });

  it('sends only what is known', () => {
    expect(formatQuotaHeaders(quotaOf({ status: 'allowed' }), { anthropic: true })).toEqual({ 'anthropic-ratelimit-unified-status': 'allowed' });
    expect(formatQuotaHeaders(quotaOf({ status: 'allowed', resetsAt: RESET }), { anthropic: false })).toEqual({ 'x-ratelimit-reset': '2026-12-02T01:27:39Z' });
  });

  it('marks overage in use and an available fallback', () => {
    const headers = formatQuotaHeaders(
      quotaOf({ status: 'rejected', isUsingOverage: true, overageStatus: 'allowed', unifiedRateLimitFallbackAvailable: true }),
      {
        anthropic: true,
      },
    );
    expect(headers).toMatchObject({
      'x-ratelimit-remaining': '0',
      'anthropic-ratelimit-unified-overage-in-use': 'true',
      'anthropic-ratelimit-unified-fallback': 'available',
    });
  });

  it('lists every header it can send, to expose and replace them', () => {
    const everything = formatQuotaHeaders(warning, { anthropic: true });
    for (const name of Object.keys(everything)) expect(QUOTA_HEADER_NAMES).toContain(name);
  });
});

describe('formatResetTime', () => {
  it('is RFC 3339 in UTC with whole seconds', () => {
    expect(formatResetTime(Date.UTC(2026, 11, 1, 1, 27, 39, 512))).toBe('2026-12-01T01:27:39Z');
  });
});
