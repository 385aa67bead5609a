import { describe, expect, it } from 'vitest';
import { describePostgresUrl, openPostgresUsageStore, toUpsertColumns } from './postgres-usage-store.ts';
import { toUsageRow, usageRowValuesOf } from './usage-store.ts';
import { usageEntry } from '../../test/support/usage-entry.ts';

const entry = usageEntry;

describe('describePostgresUrl', () => {
  it('keeps user, host, port and database, and drops the password and the parameters', () => {
    expect(describePostgresUrl('postgres://proxy:s3cr%40t@db.internal:6432/usage?sslmode=require&password=x')).toBe('postgres://proxy@db.internal:6432/usage');
    expect(describePostgresUrl('postgresql://db.internal/usage')).toBe('postgresql://db.internal/usage');
    expect(describePostgresUrl('postgres://proxy@[::1]:5432/usage')).toBe('postgres://proxy@[::1]:5432/usage');
  });

  it('refuses what is not a postgres URL, without echoing it', () => {
    expect(() => describePostgresUrl('proxy:secret@db/usage')).toThrow('must start with postgres:// or postgresql://');
    expect(() => describePostgresUrl('not a url with secret')).toThrow(
      /^the usage database URL must look like postgres:\/\/user:password@host:port\/database$/,
    );
  });

  it('makes openPostgresUsageStore reject before connecting', async () => {
    await expect(openPostgresUsageStore('mysql://proxy:secret@db/usage')).rejects.toThrow('must start with postgres://');
  });
});

describe('toUpsertColumns', () => {
  it('sums a batch per UTC day, key and model, sorted, as one array per column', () => {
    const batch = [
      entry({ key: 'zed' }),
      entry({ at: Date.UTC(2025, 4, 10, 23, 59, 59, 999) }),
      entry({ at: Date.UTC(2025, 4, 11, 0, 0, 0, 0), ok: false, inputTokens: 1 }),
      entry({ inputTokens: 5, outputTokens: 6, cacheReadInputTokens: 7, cacheCreationInputTokens: 8, ok: false }),
    ].map(usageRowValuesOf);
    const before = structuredClone(batch);
    const columns = toUpsertColumns(batch);
    expect(columns).toEqual([
      ['2025-05-10', '2025-05-10', '2025-05-11'],
      ['cursor', 'zed', 'cursor'],
      ['claude-sonnet-4-5', 'claude-sonnet-4-5', 'claude-sonnet-4-5'],
      [2, 1, 1],
      [1, 0, 1],
      [15, 10, 1],
      [26, 20, 20],
      [37, 30, 30],
      [48, 40, 40],
    ]);
    expect(batch).toEqual(before);
  });

  it('keeps rows apart whose parts would join the same way', () => {
    const columns = toUpsertColumns([entry({ key: 'a', model: 'b c' }), entry({ key: 'a b', model: 'c' })].map(usageRowValuesOf));
    expect(columns[1]).toEqual(['a', 'a b']);
    expect(columns[3]).toEqual([1, 1]);
  });
});

describe('toUsageRow', () => {
  it("turns PostgreSQL's bigint strings into numbers and keeps the text", () => {
    const row = toUsageRow({
      date: '2025-05-10',
      key: 'cursor',
      model: 'claude-sonnet-4-5',
      requests: '2',
      errors: '0',
      input_tokens: '3000000000',
      output_tokens: '20',
      cache_read_input_tokens: '9007199254740991',
      cache_creation_input_tokens: '40',
    });
    expect(row).toEqual({
      date: '2025-05-10',
      key: 'cursor',
      model: 'claude-sonnet-4-5',
      requests: 2,
      errors: 0,
      input_tokens: 3_000_000_000,
      output_tokens: 20,
      cache_read_input_tokens: Number.MAX_SAFE_INTEGER,
      cache_creation_input_tokens: 40,
    });
  });
});
