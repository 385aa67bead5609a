/**
 * @module
 * The proxy-wide latest quota: every turn's `rate_limit_event` lands here. A streaming response must send its headers
 * before its own turn has a word on the quota, so it carries the latest one known; /health shows it.
 */
import type { CliRateLimitInfo } from '../cli/cli-lines.ts';
import { updateQuota, type Quota } from '../cli/track-quota.ts';

export class LatestQuota {
  private latest: Quota | undefined;

  /** Undefined until a turn reported one: an API-key login never does. */
  get current(): Quota | undefined {
    return this.latest;
  }

  record(info: CliRateLimitInfo, now: number): Quota {
    this.latest = updateQuota(info, now);
    return this.latest;
  }
}
