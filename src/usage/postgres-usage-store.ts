/**
 * @module
 * Usage accounting in PostgreSQL, so that a fleet of proxies keeps one usage view: the same rows as the SQLite store
 * (one per UTC day, key and model, summed by an upsert in the database) behind the same `UsageStore` interface.
 *
 * A turn must not wait for the network, so `record` only queues the entry: one writer sends the queue in order, a batch
 * at a time, each batch one `INSERT … ON CONFLICT DO UPDATE` of its entries summed per row. A batch that fails is
 * reported through `onError` and dropped, as SQLite drops a write that fails; the queue is bounded, and past the bound
 * entries are dropped and reported once until the writer catches up. `query` first waits for the writes queued before
 * it, so a proxy reads its own turns; `close` writes what is pending, then ends the connections.
 */
import { Pool } from 'pg';
import {
  USAGE_COUNT_COLUMNS,
  USAGE_ROW_COLUMNS,
  toUsageRow,
  usageConditionsOf,
  usageRowValuesOf,
  type UsageRowValues,
  type UsageStore,
} from './usage-store.ts';

/**
 * The layout below, kept in the one-row table `usage_schema_version`: a later layout migrates from the number it finds
 * (under the same advisory lock), and a proxy that finds a newer number refuses to start rather than write rows it
 * does not understand. Independent of SQLite's `PRAGMA user_version`, though both describe the same rows.
 */
export const POSTGRES_USAGE_SCHEMA_VERSION = 1;

export interface PostgresUsageStore extends UsageStore {
  /** Resolves once every entry recorded before the call is written or reported through onError; never rejects. */
  flush(): Promise<void>;
}

export interface PostgresUsageStoreOptions {
  /** Hears each failed batch and each overflow of the queue (default: a line on stderr). */
  onError?: (error: unknown) => void;
  /** Entries waiting for the writer at most (default 10,000); more are dropped and reported once. */
  maxPending?: number;
}

const DEFAULT_MAX_PENDING = 10_000;
/** Entries per INSERT: the batch goes as nine arrays, so its size bounds the statement, not a parameter limit. */
const BATCH_SIZE = 1_000;
/** Connections per proxy: one writer and the odd query. */
const POOL_SIZE = 4;
const CONNECT_TIMEOUT_MS = 5_000;
/** A statement PostgreSQL does not answer in this time fails (a write is then reported dropped, though it may land). */
const QUERY_TIMEOUT_MS = 15_000;
/** pg_advisory_xact_lock key: two proxies starting on an empty database do not both create the tables. */
const MIGRATION_LOCK = 0x636c_7573; // 'clus'

/**
 * `key` and `model` sort byte by byte (COLLATE "C"), as SQLite's TEXT does, whatever the database's locale, so both
 * stores list rows in the same order. Counts are bigint: a fleet's cache reads pass 2^31 tokens a day.
 */
const CREATE_TABLES = [
  `CREATE TABLE IF NOT EXISTS usage_daily (
  date date NOT NULL,
  key text COLLATE "C" NOT NULL,
  model text COLLATE "C" NOT NULL,
  ${USAGE_COUNT_COLUMNS.map((column) => `${column} bigint NOT NULL DEFAULT 0`).join(',\n  ')},
  PRIMARY KEY (date, key, model)
)`,
  `CREATE TABLE IF NOT EXISTS usage_schema_version (version integer NOT NULL)`,
  `COMMENT ON TABLE usage_daily IS 'claude-cli-proxy usage: one row per UTC day, key name and model; layout version in usage_schema_version'`,
];

const COLUMN_TYPES = ['date', 'text', 'text', ...USAGE_COUNT_COLUMNS.map(() => 'bigint')];

/** One statement for any batch: each column comes as an array, unnested into rows in the arrays' order. */
const UPSERT = `INSERT INTO usage_daily (${USAGE_ROW_COLUMNS.join(', ')})
SELECT * FROM unnest(${COLUMN_TYPES.map((type, index) => `$${index + 1}::${type}[]`).join(', ')})
ON CONFLICT (date, key, model) DO UPDATE SET ${USAGE_COUNT_COLUMNS.map((column) => `${column} = usage_daily.${column} + EXCLUDED.${column}`).join(', ')}`;

/** Named: pg prepares it once per connection. The version keeps a later layout from reusing an older plan's name. */
const UPSERT_NAME = `usage-upsert-${POSTGRES_USAGE_SCHEMA_VERSION}`;

/**
 * `postgres://user@host:port/database` of a connection URL: no password, no parameters (they may hold one, or paths
 * to keys), for logs and the status page. Throws when `url` is not a postgres:// or postgresql:// URL.
 */
export function describePostgresUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error('the usage database URL must look like postgres://user:password@host:port/database');
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new Error(`the usage database URL must start with postgres:// or postgresql://, not ${parsed.protocol}//`);
  }
  const user = parsed.username !== '' ? `${parsed.username}@` : '';
  return `${parsed.protocol}//${user}${parsed.host}${parsed.pathname}`;
}

/**
 * A batch of turns' row values as the upsert's nine column arrays: summed per (date, key, model), since one INSERT may
 * not touch a row twice, and sorted by it, so that proxies writing overlapping batches lock rows in one order (no
 * deadlock between them).
 */
export function toUpsertColumns(batch: readonly UsageRowValues[]): unknown[][] {
  const rows = new Map<string, UsageRowValues>();
  for (const values of batch) {
    const id = JSON.stringify(values.slice(0, 3));
    const row = rows.get(id);
    if (row == null) rows.set(id, [...values]);
    else for (let index = 3; index < values.length; index += 1) (row[index] as number) += values[index] as number;
  }
  const compare = (left: string, right: string) => (left < right ? -1 : left > right ? 1 : 0);
  const sorted = [...rows.values()].sort((left, right) => compare(left[0], right[0]) || compare(left[1], right[1]) || compare(left[2], right[2]));
  return USAGE_ROW_COLUMNS.map((_column, index) => sorted.map((row) => row[index]));
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function migrate(pool: Pool): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    // Read before creating anything: a database prepared by its owner needs no CREATE right.
    const exists = await client.query<{ present: boolean }>(`SELECT to_regclass('usage_schema_version') IS NOT NULL AS present`);
    let version = 0;
    if (exists.rows[0]?.present === true) {
      const found = await client.query<{ version: number | null }>('SELECT max(version) AS version FROM usage_schema_version');
      version = found.rows[0]?.version ?? 0;
    }
    if (version > POSTGRES_USAGE_SCHEMA_VERSION) {
      throw new Error(`the database holds usage schema ${version}, newer than this proxy knows (${POSTGRES_USAGE_SCHEMA_VERSION}): upgrade claude-cli-proxy`);
    }
    if (version < 1) {
      for (const statement of CREATE_TABLES) await client.query(statement);
      await client.query('DELETE FROM usage_schema_version');
      await client.query('INSERT INTO usage_schema_version (version) VALUES ($1)', [POSTGRES_USAGE_SCHEMA_VERSION]);
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

/**
 * Connects to the PostgreSQL database at `url` and creates the usage tables if missing. Rejects when it cannot
 * connect or the database holds a newer layout; after that `record` never throws. Libpq's environment variables
 * (PGPASSWORD, PGSSLMODE…) fill what the URL leaves out, as pg reads them.
 */
export async function openPostgresUsageStore(url: string, options: PostgresUsageStoreOptions = {}): Promise<PostgresUsageStore> {
  const location = describePostgresUrl(url);
  const maxPending = options.maxPending ?? DEFAULT_MAX_PENDING;
  const onError =
    options.onError ?? ((error: unknown) => console.error(`usage: usage records were dropped: ${error instanceof Error ? error.message : String(error)}`));
  // A failing onError must not stop the writer or make record throw.
  const report = (error: Error) => {
    try {
      onError(error);
    } catch {
      // the caller's problem; the store keeps going
    }
  };

  const pool = new Pool({
    connectionString: url,
    max: POOL_SIZE,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    query_timeout: QUERY_TIMEOUT_MS,
    keepAlive: true,
    application_name: 'claude-cli-proxy',
  });
  // An idle connection the server drops (a restart) is an 'error' on the pool, fatal unless heard. The pool discards
  // it and connects again for the next batch; a batch that then fails is what gets reported.
  pool.on('error', () => undefined);
  try {
    await migrate(pool);
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw new Error(`usage database ${location}: ${messageOf(error)}`, { cause: error });
  }

  /** Each turn's row values, taken when it is recorded. */
  const queue: UsageRowValues[] = [];
  /** Entries accepted so far, and how many of them the writer has written or reported. */
  let accepted = 0;
  let settled = 0;
  const waiters: { until: number; resolve: () => void }[] = [];
  let writing = false;
  let overflowing = false;
  let closing: Promise<void> | undefined;

  async function write(): Promise<void> {
    // Let a burst of synchronous records gather into one batch.
    await Promise.resolve();
    while (queue.length > 0) {
      const batch = queue.splice(0, BATCH_SIZE);
      try {
        await pool.query({ name: UPSERT_NAME, text: UPSERT, values: toUpsertColumns(batch) });
      } catch (error) {
        report(new Error(`${batch.length} usage record(s) not written to ${location}: ${messageOf(error)}`, { cause: error }));
      }
      settled += batch.length;
      for (const waiter of waiters.filter(({ until }) => until <= settled)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
    // Still synchronous with the last check of the queue: a record() from now on starts a new writer.
    writing = false;
    overflowing = false;
  }

  function flush(): Promise<void> {
    const until = accepted;
    if (settled >= until) return Promise.resolve();
    return new Promise((resolve) => waiters.push({ until, resolve }));
  }

  return {
    location,
    record(entry) {
      if (closing != null) {
        report(new Error(`a usage record was not written to ${location}: the store is closed`));
        return;
      }
      if (queue.length >= maxPending) {
        if (!overflowing) {
          overflowing = true;
          report(new Error(`more than ${maxPending} usage records are waiting for ${location}: new ones are dropped until it catches up`));
        }
        return;
      }
      queue.push(usageRowValuesOf(entry));
      accepted += 1;
      if (!writing) {
        writing = true;
        void write();
      }
    },
    async query(filter = {}) {
      if (closing != null) throw new Error(`the usage store ${location} is closed`);
      const conditions = usageConditionsOf(filter);
      await flush();
      const where =
        conditions.length > 0 ? ` WHERE ${conditions.map(({ column, operator }, index) => `${column} ${operator} $${index + 1}`).join(' AND ')}` : '';
      const columns = USAGE_ROW_COLUMNS.map((column) => (column === 'date' ? `to_char(date, 'YYYY-MM-DD') AS date` : column));
      // usage_daily.date: a bare `date` in ORDER BY would be the text column of the same name above.
      const result = await pool.query(
        `SELECT ${columns.join(', ')} FROM usage_daily${where} ORDER BY usage_daily.date, usage_daily.key, usage_daily.model`,
        conditions.map(({ value }) => value),
      );
      return result.rows.map(toUsageRow);
    },
    flush,
    close() {
      closing ??= flush().then(() => pool.end());
      return closing;
    },
  };
}
