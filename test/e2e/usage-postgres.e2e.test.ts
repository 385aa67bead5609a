/**
 * Usage accounting in PostgreSQL against a real server (test/support/start-postgres.ts), no CLI involved: two stores
 * on one database (two proxies of a fleet) record at once and either reads the exact sums, row for row what the SQLite
 * store gives for the same turns; days split at UTC midnight; filters; the password never shows; a server that stops
 * makes record() report instead of throw and query() reject. Skipped without PostgreSQL, unless CI is set.
 */
import { Client } from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openPostgresUsageStore, POSTGRES_USAGE_SCHEMA_VERSION, type PostgresUsageStore } from '../../src/usage/postgres-usage-store.ts';
import { openUsageStore, type UsageEntry, type UsageQuery, type UsageRow, type UsageStore } from '../../src/usage/usage-store.ts';
import { findPostgresBinaries, startPostgres, type StartedPostgres } from '../support/start-postgres.ts';
import { usageEntry } from '../support/usage-entry.ts';

const BINARIES = findPostgresBinaries();
const MISSING = typeof BINARIES === 'string' ? BINARIES : undefined;
/** Outside CI a missing PostgreSQL skips these tests; in CI (.ci/run installs it) it fails them. */
const SKIP_REASON = MISSING != null && process.env.CI == null ? MISSING : undefined;

let server: StartedPostgres;
/** A second server, for the test that stops it: started alongside the first, so its start costs no extra time. */
let doomed: StartedPostgres;
let schemas = 0;
const stores: UsageStore[] = [];

beforeAll(async () => {
  if (SKIP_REASON != null) return;
  if (MISSING != null) throw new Error(`${MISSING}: CI must install it`);
  [server, doomed] = await Promise.all([startPostgres(), startPostgres()]);
});
afterEach(async () => {
  await Promise.all(stores.splice(0).map((store) => store.close()));
});
afterAll(async () => Promise.all([server?.close(), doomed?.close()]));

/** A fresh schema per test (its URL sets search_path), cheaper than a database. */
async function database(): Promise<string> {
  schemas += 1;
  return server.createSchema(`usage_${schemas}`);
}

async function open(url: string, onError?: (error: unknown) => void, maxPending?: number): Promise<PostgresUsageStore> {
  const store = await openPostgresUsageStore(url, { onError: onError ?? ((error) => expect.fail(`unexpected usage error: ${String(error)}`)), maxPending });
  stores.push(store);
  return store;
}

const entry = usageEntry;

/** What the SQLite store answers for the same turns: the PostgreSQL store must answer the same rows. */
async function sqliteRows(entries: UsageEntry[], filter?: UsageQuery): Promise<UsageRow[]> {
  const store = openUsageStore(':memory:');
  try {
    for (const one of entries) store.record(one);
    return await store.query(filter);
  } finally {
    await store.close();
  }
}

const KEYS = ['cursor', 'cline', 'key 3', 'Zed "quoted", {braced} \\ ü'];
const MODELS = ['claude-sonnet-4-5', 'claude-opus-4-1', 'other'];
/** Around two UTC midnights, a millisecond either side of each. */
const INSTANTS = [
  Date.UTC(2025, 4, 10, 23, 59, 59, 999),
  Date.UTC(2025, 4, 11, 0, 0, 0, 0),
  Date.UTC(2025, 4, 11, 12),
  Date.UTC(2025, 4, 11, 23, 59, 59, 999),
  Date.UTC(2025, 4, 12, 0, 0, 0, 0),
];

/** `count` turns of one instance, spread over overlapping keys, models and days, with varied (and large) counts. */
function turns(instance: number, count: number): UsageEntry[] {
  return Array.from({ length: count }, (_, index) =>
    entry({
      at: INSTANTS[(index + instance) % INSTANTS.length],
      key: KEYS[index % KEYS.length],
      model: MODELS[(index * 7 + instance) % MODELS.length],
      inputTokens: index * 13 + instance,
      outputTokens: index * 17,
      cacheReadInputTokens: 1_000_000_000 + index,
      cacheCreationInputTokens: index % 5,
      ok: index % 11 !== 0,
    }),
  );
}

/** Lets the writers' I/O run: a turn of the event loop, not a wait for time. */
const yieldToIo = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('the PostgreSQL usage store', () => {
  it('adds up two instances recording at once on one database, as SQLite would', async ({ skip }) => {
    skip(SKIP_REASON != null, SKIP_REASON);
    const url = await database();
    // Both create the tables at once on an empty database (the advisory lock serialises them).
    const [first, second] = await Promise.all([open(url), open(url)]);
    const firstTurns = turns(0, 200);
    const secondTurns = turns(1, 200);
    // Interleaved in small bursts, so that both writers have batches in flight on overlapping rows.
    for (let index = 0; index < 200; index += 1) {
      first.record(firstTurns[index] as UsageEntry);
      second.record(secondTurns[index] as UsageEntry);
      if (index % 10 === 9) await yieldToIo();
    }
    await Promise.all([first.flush(), second.flush()]);

    const expected = await sqliteRows([...firstTurns, ...secondTurns]);
    expect(expected.length).toBeGreaterThan(30);
    expect(expected.reduce((sum, row) => sum + row.requests, 0)).toBe(400);
    expect(await first.query()).toEqual(expected);
    expect(await second.query()).toEqual(expected);
    const [row] = await first.query();
    expect(typeof row?.cache_read_input_tokens).toBe('number');
  });

  it('splits days at UTC midnight and filters by day, key and model like SQLite', async ({ skip }) => {
    skip(SKIP_REASON != null, SKIP_REASON);
    const store = await open(await database());
    const recorded = turns(2, 60);
    for (const one of recorded) store.record(one);
    // query() waits for the writes recorded before it: no flush needed to read one's own turns.
    const rows = await store.query();
    expect([...new Set(rows.map(({ date }) => date))]).toEqual(['2025-05-10', '2025-05-11', '2025-05-12']);
    const filters: UsageQuery[] = [
      { from: '2025-05-11' },
      { to: '2025-05-10' },
      { from: '2025-05-11', to: '2025-05-11' },
      { key: 'key 3' },
      { key: KEYS[3] },
      { model: 'other', from: '2025-05-12' },
      { key: 'nobody' },
    ];
    for (const filter of filters) expect(await store.query(filter), JSON.stringify(filter)).toEqual(await sqliteRows(recorded, filter));
    await expect(store.query({ from: '2025-02-30' })).rejects.toThrow('from must be a date as YYYY-MM-DD (UTC), got "2025-02-30"');
    await expect(store.query({ from: '2025-05-12', to: '2025-05-11' })).rejects.toThrow('from (2025-05-12) is after to (2025-05-11)');
  });

  it('shows its location without the password, and close() writes what is pending', async ({ skip }) => {
    skip(SKIP_REASON != null, SKIP_REASON);
    const url = await database();
    const store = await openPostgresUsageStore(url);
    expect(url).toContain(server.password);
    expect(url).toContain('search_path');
    // Neither the password nor the parameters (which may carry one).
    expect(store.location).toBe(`postgres://${server.user}@127.0.0.1:${server.port}/postgres`);
    store.record(entry());
    store.record(entry({ ok: false }));
    await store.close();
    await store.close();
    await expect(store.query()).rejects.toThrow('is closed');

    const reopened = await open(url);
    expect(await reopened.query()).toEqual(await sqliteRows([entry(), entry({ ok: false })]));
  });

  it('drops what passes the bound of pending writes and says so once', async ({ skip }) => {
    skip(SKIP_REASON != null, SKIP_REASON);
    const errors: unknown[] = [];
    const store = await open(await database(), (error) => errors.push(error), 5);
    for (let index = 0; index < 8; index += 1) store.record(entry());
    await store.flush();
    expect(errors.map(String)).toEqual([expect.stringContaining('more than 5 usage records are waiting')]);
    expect((await store.query())[0]?.requests).toBe(5);
    // Caught up: a later overflow is reported again.
    for (let index = 0; index < 6; index += 1) store.record(entry());
    await store.flush();
    expect(errors).toHaveLength(2);
  });

  it('refuses a database that holds a newer layout', async ({ skip }) => {
    skip(SKIP_REASON != null, SKIP_REASON);
    const url = await database();
    await (await open(url)).close();
    const client = new Client({ connectionString: url });
    await client.connect();
    try {
      await client.query('UPDATE usage_schema_version SET version = $1', [POSTGRES_USAGE_SCHEMA_VERSION + 1]);
    } finally {
      await client.end();
    }
    await expect(openPostgresUsageStore(url)).rejects.toThrow(`holds usage schema ${POSTGRES_USAGE_SCHEMA_VERSION + 1}, newer than this proxy knows`);
  });

  it('reports writes to a server that stopped instead of throwing, and query() rejects', async ({ skip }) => {
    skip(SKIP_REASON != null, SKIP_REASON);
    const errors: unknown[] = [];
    const store = await open(doomed.url(), (error) => errors.push(error));
    store.record(entry());
    expect(await store.query()).toHaveLength(1);

    await doomed.stop();
    expect(() => {
      for (let index = 0; index < 3; index += 1) store.record(entry());
    }).not.toThrow();
    await store.flush();
    expect(errors).toHaveLength(1);
    const message = String(errors[0]);
    expect(message).toContain(`3 usage record(s) not written to postgres://${doomed.user}@127.0.0.1:${doomed.port}/postgres`);
    expect(message).not.toContain(doomed.password);
    await expect(store.query()).rejects.toThrow();
    await store.close();
  });
});
