/**
 * @module
 * PURE. The CLI versions the proxy is tested against (the e2e suite runs on each end of the range in CI), and where
 * a given version stands. The CLI's machine interface is not a public API: a version outside the range may add to
 * what the model sees or change its output lines, which the start-up banner, /health and `doctor` say.
 */

/** Oldest and newest CLI versions the e2e suite runs against (docs/cli-versions.md). */
export const TESTED_CLI_RANGE = { oldest: '2.1.197', newest: '2.1.332' } as const;

export type RangeStatus = 'inside' | 'older' | 'newer' | 'unknown';

/** Compares dotted numeric versions (2.1.197 < 2.1.332); anything after the numbers is ignored. */
export function compareVersions(a: string, b: string): number {
  const parts = (version: string) => (/^(\d+(?:\.\d+)*)/.exec(version)?.[1] ?? '').split('.').map(Number);
  const left = parts(a);
  const right = parts(b);
  for (let index = 0; index < Math.max(left.length, right.length); index += 1) {
    const difference = (left[index] ?? 0) - (right[index] ?? 0);
    if (difference !== 0) return Math.sign(difference);
  }
  return 0;
}

export function rangeStatus(version: string | undefined, range: { oldest: string; newest: string } = TESTED_CLI_RANGE): RangeStatus {
  if (version == null || !/^\d+\.\d+\.\d+/.test(version)) return 'unknown';
  if (compareVersions(version, range.oldest) < 0) return 'older';
  if (compareVersions(version, range.newest) > 0) return 'newer';
  return 'inside';
}

/** One line for people: where the version stands and what to do about it. */
export function describeRangeStatus(version: string | undefined, range: { oldest: string; newest: string } = TESTED_CLI_RANGE): string {
  const tested = range.oldest === range.newest ? range.oldest : `${range.oldest} to ${range.newest}`;
  switch (rangeStatus(version, range)) {
    case 'inside':
      return `CLI ${version} is tested with this proxy (tested: ${tested})`;
    case 'older':
      return `CLI ${version} is older than the tested range (${tested}): update it (claude update), or set CLAUDE_PATH to a tested one`;
    case 'newer':
      return `CLI ${version} is newer than the tested range (${tested}): it may add to what the model sees; the fidelity check says whether it does`;
    case 'unknown':
      return `the CLI's version is unknown (tested: ${tested})`;
  }
}
