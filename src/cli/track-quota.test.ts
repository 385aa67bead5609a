import { describe, expect, it } from 'vitest';
import { parseCliLine, type CliRateLimitInfo } from './cli-lines.ts';
import { isQuotaCurrent, quotaPercentLeft, updateQuota } from './track-quota.ts';

const NOW = 1_796_171_259_000;

/** The rate_limit_info of a line as the CLI wrote it (measured, docs/cli-versions.md). */
function info(line: object): CliRateLimitInfo {
  const parsed = parseCliLine(JSON.stringify({ type: 'rate_limit_event', rate_limit_info: line }));
  if (parsed.type !== 'rate_limit_event') throw new Error(`not a rate_limit_event: ${JSON.stringify(parsed)}`);
  return parsed.rate_limit_info;
}

/** CLI 2.1.332, a warning on the 5-hour limit. */
const WARNING_2_1_332 = {
  status: 'allowed_warning',
  resetsAt: 1796174859,
  rateLimitType: 'five_hour',
  utilization: 0.91,
  overageStatus: 'rejected',
  overageDisabledReason: 'org_level_disabled',
  isUsingOverage: false,
  surpassedThreshold: 0.9,
  unifiedWindows: {
    five_hour: { utilization: 0.91, resetsAt: 1796174859, status: 'allowed_warning', surpassedThreshold: 0.9 },
    seven_day: { utilization: 0.1, resetsAt: 1796430459, status: 'allowed' },
  },
};

describe('updateQuota', () => {
  it('reads every field of a 2.1.332 line', () => {
    expect(updateQuota(info(WARNING_2_1_332), NOW)).toEqual({
      status: 'allowed_warning',
      type: 'five_hour',
      resetsAt: 1796174859,
      utilization: 0.91,
      surpassedThreshold: 0.9,
      windows: {
        five_hour: { utilization: 0.91, resetsAt: 1796174859, status: 'allowed_warning', surpassedThreshold: 0.9 },
        seven_day: { utilization: 0.1, resetsAt: 1796430459, status: 'allowed', surpassedThreshold: undefined },
      },
      overage: { status: 'rejected', resetsAt: undefined, disabledReason: 'org_level_disabled', inUse: false },
      fallbackAvailable: undefined,
      updatedAt: NOW,
    });
  });

  it('takes the fraction used of the deciding limit from its window when the line has none at the top (2.1.332, allowed)', () => {
    const quota = updateQuota(
      info({ status: 'allowed', resetsAt: 1796174859, rateLimitType: 'five_hour', unifiedWindows: WARNING_2_1_332.unifiedWindows }),
      NOW,
    );
    expect(quota.utilization).toBe(0.91);
  });

  it('knows no fraction from a 2.1.197 line below the warning threshold', () => {
    const quota = updateQuota(info({ status: 'allowed', resetsAt: 1796174933, rateLimitType: 'five_hour', isUsingOverage: false }), NOW);
    expect(quota).toMatchObject({ status: 'allowed', type: 'five_hour', resetsAt: 1796174933, utilization: undefined, windows: {} });
  });

  it('reads a limit served from overage (status rejected, yet answered)', () => {
    const quota = updateQuota(
      info({
        status: 'rejected',
        resetsAt: 1796174859,
        rateLimitType: 'five_hour',
        overageStatus: 'allowed',
        overageResetsAt: 1796430459,
        isUsingOverage: true,
      }),
      NOW,
    );
    expect(quota.overage).toEqual({ status: 'allowed', resetsAt: 1796430459, disabledReason: undefined, inUse: true });
  });

  it('keeps a line whose informative fields have odd types, with its reset time', () => {
    const quota = updateQuota(info({ status: 'rejected', resetsAt: 1796174859, utilization: 'high', unifiedWindows: { five_hour: 'full' } }), NOW);
    expect(quota).toMatchObject({ status: 'rejected', resetsAt: 1796174859, utilization: undefined });
  });
});

describe('quotaPercentLeft', () => {
  it('gives the percent left of the deciding limit, rounded and bounded', () => {
    expect(quotaPercentLeft(updateQuota(info(WARNING_2_1_332), NOW))).toEqual({ limit: 100, remaining: 9 });
    expect(quotaPercentLeft(updateQuota(info({ status: 'allowed_warning', utilization: 1.2 }), NOW))).toEqual({ limit: 100, remaining: 0 });
    expect(quotaPercentLeft(updateQuota(info({ status: 'allowed', utilization: 0 }), NOW))).toEqual({ limit: 100, remaining: 100 });
  });

  it('has nothing left of a rejected limit, and no count without a fraction', () => {
    expect(quotaPercentLeft(updateQuota(info({ status: 'rejected' }), NOW))).toEqual({ limit: 100, remaining: 0 });
    expect(quotaPercentLeft(updateQuota(info({ status: 'allowed', resetsAt: 1796174859 }), NOW))).toBeUndefined();
  });
});

describe('isQuotaCurrent', () => {
  it('holds until the limit resets, and always without a reset time', () => {
    const quota = updateQuota(info({ status: 'rejected', resetsAt: NOW / 1000 + 60 }), NOW);
    expect(isQuotaCurrent(quota, NOW + 59_000)).toBe(true);
    expect(isQuotaCurrent(quota, NOW + 60_000)).toBe(false);
    expect(isQuotaCurrent(updateQuota(info({ status: 'allowed' }), NOW), NOW + 1e12)).toBe(true);
  });
});
