import { describe, expect, it } from 'vitest';
import { compareVersions, describeRangeStatus, rangeStatus } from './tested-cli-versions.ts';

const RANGE = { oldest: '2.1.197', newest: '2.1.332' };

describe('tested CLI versions', () => {
  it('compares versions by number, not as text', () => {
    expect(compareVersions('2.1.197', '2.1.332')).toBe(-1);
    expect(compareVersions('2.1.40', '2.1.197')).toBe(-1);
    expect(compareVersions('2.2.0', '2.1.999')).toBe(1);
    expect(compareVersions('2.1.197', '2.1.197')).toBe(0);
    expect(compareVersions('2.1.197 (Claude Code)', '2.1.197')).toBe(0);
  });

  it.each([
    ['2.1.197', 'inside'],
    ['2.1.250', 'inside'],
    ['2.1.332', 'inside'],
    ['2.1.196', 'older'],
    ['2.1.333', 'newer'],
    ['3.0.0', 'newer'],
    [undefined, 'unknown'],
    ['dev', 'unknown'],
  ] as const)('places %s: %s', (version, status) => {
    expect(rangeStatus(version, RANGE)).toBe(status);
  });

  it('tells what to do outside the range', () => {
    expect(describeRangeStatus('2.1.100', RANGE)).toContain('older than the tested range (2.1.197 to 2.1.332)');
    expect(describeRangeStatus('2.1.400', RANGE)).toContain('fidelity check');
  });
});
