import { describe, expect, it } from 'vitest';
import { formatCount, formatUsageTable, summarizeUsage } from './format-usage-table.ts';
import type { UsageRow } from './usage-store.ts';

function row(fields: Partial<UsageRow>): UsageRow {
  return {
    date: '2025-05-10',
    key: 'cursor',
    model: 'claude-sonnet-4-5',
    requests: 1,
    errors: 0,
    input_tokens: 0,
    output_tokens: 0,
    cache_read_input_tokens: 0,
    cache_creation_input_tokens: 0,
    ...fields,
  };
}

describe('summarizeUsage', () => {
  it('sums each key and model over the days, ordered by key then model', () => {
    const rows = [
      row({ date: '2025-05-10', key: 'key 1', model: 'b', requests: 2, errors: 1, input_tokens: 5 }),
      row({ date: '2025-05-10', key: 'cursor', model: 'b', requests: 1, output_tokens: 7 }),
      row({ date: '2025-05-11', key: 'key 1', model: 'b', requests: 3, input_tokens: 6, cache_read_input_tokens: 8, cache_creation_input_tokens: 9 }),
      row({ date: '2025-05-11', key: 'cursor', model: 'a', requests: 4 }),
    ];
    expect(summarizeUsage(rows)).toEqual([
      { key: 'cursor', model: 'a', requests: 4, errors: 0, input_tokens: 0, output_tokens: 0, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 },
      { key: 'cursor', model: 'b', requests: 1, errors: 0, input_tokens: 0, output_tokens: 7, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 },
      { key: 'key 1', model: 'b', requests: 5, errors: 1, input_tokens: 11, output_tokens: 0, cache_read_input_tokens: 8, cache_creation_input_tokens: 9 },
    ]);
  });

  it('does not merge pairs that only look alike once joined', () => {
    expect(summarizeUsage([row({ key: 'a b', model: 'c' }), row({ key: 'a', model: 'b c' })])).toHaveLength(2);
  });
});

describe('formatCount', () => {
  it('groups thousands with commas', () => {
    expect([0, 999, 1000, 1234567, -1234].map(formatCount)).toEqual(['0', '999', '1,000', '1,234,567', '-1,234']);
  });
});

describe('formatUsageTable', () => {
  it('prints one aligned line per key and model, then the total', () => {
    const table = formatUsageTable([
      row({
        key: 'cursor',
        model: 'claude-opus-4-1',
        requests: 1200,
        errors: 3,
        input_tokens: 1234567,
        output_tokens: 89012,
        cache_read_input_tokens: 5000000,
        cache_creation_input_tokens: 42,
      }),
      row({ date: '2025-05-11', key: 'cursor', model: 'claude-opus-4-1', requests: 1, input_tokens: 1 }),
      row({ key: '-', model: 'claude-haiku-4-5', requests: 5, input_tokens: 10, output_tokens: 20 }),
    ]);
    expect(table).toBe(
      [
        'key     model             requests  errors      input  output  cache read  cache write',
        '------  ----------------  --------  ------  ---------  ------  ----------  -----------',
        '-       claude-haiku-4-5         5       0         10      20           0            0',
        'cursor  claude-opus-4-1      1,201       3  1,234,568  89,012   5,000,000           42',
        '------  ----------------  --------  ------  ---------  ------  ----------  -----------',
        'total                        1,206       3  1,234,578  89,032   5,000,000           42',
      ].join('\n'),
    );
  });

  it('explains an empty table', () => {
    expect(formatUsageTable([])).toBe('No usage recorded for this period.');
  });
});
