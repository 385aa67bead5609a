import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openSqlite } from './open-sqlite.ts';
import { addUtcDays, openUsageStore, parseUtcDay, USAGE_SCHEMA_VERSION, utcDayOf, type UsageStore } from './usage-store.ts';
import { usageEntry } from '../../test/support/usage-entry.ts';

const directories: string[] = [];
const stores: UsageStore[] = [];
afterEach(() => {
  for (const store of stores.splice(0)) store.close();
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
});

function temporaryDirectory(): string {
  const directory = mkdtempSync(join(tmpdir(), 'usage-store-'));
  directories.push(directory);
  return directory;
}

function open(path = ':memory:', onError?: (error: unknown) => void): UsageStore {
  const store = openUsageStore(path, { onError });
  stores.push(store);
  return store;
}

const entry = usageEntry;

function row(fields: Record<string, string | number> = {}) {
  return {
    date: '2025-05-10',
    key: 'cursor',
    model: 'claude-sonnet-4-5',
    requests: 1,
    errors: 0,
    input_tokens: 10,
    output_tokens: 20,
    cache_read_input_tokens: 30,
    cache_creation_input_tokens: 40,
    ...fields,
  };
}

describe('openUsageStore', () => {
  it('sums the turns of a day, key and model into one row', async () => {
    const store = open();
    store.record(entry());
    store.record(entry({ inputTokens: 1, outputTokens: 2, cacheReadInputTokens: 3, cacheCreationInputTokens: 4 }));
    expect(await store.query()).toEqual([
      row({ requests: 2, input_tokens: 11, output_tokens: 22, cache_read_input_tokens: 33, cache_creation_input_tokens: 44 }),
    ]);
    expect(store.location).toBe(':memory:');
  });

  it('counts failed turns as requests and as errors', async () => {
    const store = open();
    store.record(entry({ ok: false, inputTokens: 0, outputTokens: 0, cacheReadInputTokens: 0, cacheCreationInputTokens: 0 }));
    store.record(entry());
    expect(await store.query()).toEqual([row({ requests: 2, errors: 1 })]);
  });

  it('splits by UTC day: 23:59 and 00:01 UTC fall on different days', async () => {
    const store = open();
    store.record(entry({ at: Date.UTC(2025, 4, 10, 23, 59) }));
    store.record(entry({ at: Date.UTC(2025, 4, 11, 0, 1) }));
    expect((await store.query()).map(({ date, requests }) => ({ date, requests }))).toEqual([
      { date: '2025-05-10', requests: 1 },
      { date: '2025-05-11', requests: 1 },
    ]);
  });

  it('keeps keys and models apart and orders rows by date, key, model', async () => {
    const store = open();
    store.record(entry({ at: Date.UTC(2025, 4, 11), key: 'a', model: 'm1' }));
    store.record(entry({ key: 'b', model: 'm1' }));
    store.record(entry({ key: 'a', model: 'm2' }));
    store.record(entry({ key: 'a', model: 'm1' }));
    store.record(entry({ key: '-', model: 'm1' }));
    expect((await store.query()).map(({ date, key, model }) => `${date} ${key} ${model}`)).toEqual([
      '2025-05-10 - m1',
      '2025-05-10 a m1',
      '2025-05-10 a m2',
      '2025-05-10 b m1',
      '2025-05-11 a m1',
    ]);
  });

  it('filters by inclusive date range, key and model', async () => {
    const store = open();
    for (const day of [9, 10, 11, 12]) store.record(entry({ at: Date.UTC(2025, 4, day, 6) }));
    store.record(entry({ at: Date.UTC(2025, 4, 10, 6), key: 'other' }));
    store.record(entry({ at: Date.UTC(2025, 4, 10, 6), model: 'claude-opus-4-1' }));
    const dates = async (filter: Parameters<UsageStore['query']>[0]) => (await store.query(filter)).map(({ date, key, model }) => `${date} ${key} ${model}`);
    expect(await dates({ from: '2025-05-10', to: '2025-05-11', key: 'cursor', model: 'claude-sonnet-4-5' })).toEqual([
      '2025-05-10 cursor claude-sonnet-4-5',
      '2025-05-11 cursor claude-sonnet-4-5',
    ]);
    expect(await dates({ from: '2025-05-12' })).toEqual(['2025-05-12 cursor claude-sonnet-4-5']);
    expect(await dates({ to: '2025-05-09' })).toEqual(['2025-05-09 cursor claude-sonnet-4-5']);
    expect(await dates({ key: 'other' })).toEqual(['2025-05-10 other claude-sonnet-4-5']);
    expect(await dates({ model: 'claude-opus-4-1' })).toEqual(['2025-05-10 cursor claude-opus-4-1']);
    expect(await dates({ key: 'nobody' })).toEqual([]);
  });

  it('rejects a malformed or impossible date, and a range that ends before it starts', async () => {
    const store = open();
    await expect(store.query({ from: '2025-5-1' })).rejects.toThrow('from must be a date as YYYY-MM-DD (UTC), got "2025-5-1"');
    await expect(store.query({ to: '2025-02-30' })).rejects.toThrow('to must be a date as YYYY-MM-DD (UTC)');
    await expect(store.query({ from: "2025-01-01' OR 1=1 --" })).rejects.toThrow('from must be a date');
    await expect(store.query({ from: '2025-05-02', to: '2025-05-01' })).rejects.toThrow('from (2025-05-02) is after to (2025-05-01)');
  });

  it('keeps the rows across close and reopen of a file, creating its directory', async () => {
    const path = join(temporaryDirectory(), 'state', 'usage.db');
    const first = openUsageStore(path);
    expect(first.location).toBe(path);
    first.record(entry());
    first.close();
    expect(statSync(join(path, '..')).isDirectory()).toBe(true);
    const second = open(path);
    second.record(entry());
    expect(await second.query()).toEqual([
      row({ requests: 2, input_tokens: 20, output_tokens: 40, cache_read_input_tokens: 60, cache_creation_input_tokens: 80 }),
    ]);
  });

  it('adds up the writes of two stores open on one file', async () => {
    const path = join(temporaryDirectory(), 'usage.db');
    const first = open(path);
    const second = open(path);
    first.record(entry());
    second.record(entry());
    expect((await first.query())[0]?.requests).toBe(2);
  });

  it('marks the schema version, and refuses a file from a newer version', () => {
    const path = join(temporaryDirectory(), 'usage.db');
    open(path);
    const database = openSqlite(path);
    expect(database.prepare('PRAGMA user_version').get()).toEqual({ user_version: USAGE_SCHEMA_VERSION });
    database.exec(`PRAGMA user_version = ${USAGE_SCHEMA_VERSION + 1}`);
    database.close();
    expect(() => openUsageStore(path)).toThrow(`holds usage schema ${USAGE_SCHEMA_VERSION + 1}, newer than this proxy knows`);
  });

  it('reports a failed write through onError instead of throwing', () => {
    const errors: unknown[] = [];
    const store = openUsageStore(':memory:', { onError: (error) => errors.push(error) });
    store.close();
    expect(() => store.record(entry())).not.toThrow();
    expect(() => store.record(entry({ at: NaN }))).not.toThrow();
    expect(errors).toHaveLength(2);
    expect(errors.every((error) => error instanceof Error)).toBe(true);
    expect(() => store.close()).not.toThrow();
  });
});

describe('UTC days', () => {
  it('names the UTC day of an instant and steps across month and year ends', () => {
    expect(utcDayOf(Date.UTC(2024, 11, 31, 23, 59, 59, 999))).toBe('2024-12-31');
    expect(addUtcDays('2024-12-31', 1)).toBe('2025-01-01');
    expect(addUtcDays('2024-03-01', -1)).toBe('2024-02-29');
    expect(parseUtcDay('2024-02-29', 'day')).toBe(Date.UTC(2024, 1, 29));
    expect(() => parseUtcDay('2023-02-29', '--from')).toThrow('--from must be a date as YYYY-MM-DD (UTC), got "2023-02-29"');
  });
});
