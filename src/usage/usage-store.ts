/**
 * @module
 * Usage accounting that survives restarts: each finished turn adds its tokens to one row per UTC day, key and model
 * in an SQLite file. Rows are summed in the database (an upsert), so several proxies can share one file and a day of
 * traffic stays one row per key and model however many turns it had.
 */
import { openSqlite, type SqliteDatabase, type SqliteStatement } from './open-sqlite.ts';

export interface UsageEntry {
  /** epoch ms of the turn's end; the row's date is its UTC day */
  at: number;
  /** key name (`cursor`, `key 1`) or `-` without keys */
  key: string;
  model: string;
  inputTokens: number;
  outputTokens: number;
  cacheReadInputTokens: number;
  cacheCreationInputTokens: number;
  /** false for a turn that failed (an error reached the client) */
  ok: boolean;
}

export interface UsageRow {
  /** YYYY-MM-DD UTC */
  date: string;
  key: string;
  model: string;
  requests: number;
  errors: number;
  input_tokens: number;
  output_tokens: number;
  cache_read_input_tokens: number;
  cache_creation_input_tokens: number;
}

export interface UsageQuery {
  /** YYYY-MM-DD inclusive */
  from?: string;
  /** YYYY-MM-DD inclusive */
  to?: string;
  key?: string;
  model?: string;
}

export interface UsageStore {
  /** Never throws: a write that fails is reported once through onError and dropped (a full disk must not fail turns). */
  record(entry: UsageEntry): void;
  /** Rows ordered by date, key, model. Async so that the PostgreSQL store (postgres-usage-store.ts) fits the same interface. */
  query(filter?: UsageQuery): Promise<UsageRow[]>;
  /**
   * Closes the store; closing twice is harmless. A store that writes behind `record` (PostgreSQL) first writes what is
   * pending, so await it before the process exits. SQLite's closes the file at once (a second close included).
   */
  close(): Promise<void>;
  /** Where it keeps the rows: the file path, ':memory:', or a PostgreSQL URL without its password */
  readonly location: string;
}

/** PRAGMA user_version of the layout below; a later layout migrates from the number it finds. */
export const USAGE_SCHEMA_VERSION = 1;

const DAY_MS = 86_400_000;

/** The UTC day (YYYY-MM-DD) of an epoch-ms instant. */
export function utcDayOf(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 10);
}

/** Midnight UTC (epoch ms) of a YYYY-MM-DD day; throws an Error naming `name` when `text` is not a real day. */
export function parseUtcDay(text: string, name: string): number {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  const epochMs = match == null ? NaN : Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
  // Date.UTC rolls 2024-02-30 over to March: a day that does not print back the same does not exist.
  if (Number.isNaN(epochMs) || utcDayOf(epochMs) !== text) throw new Error(`${name} must be a date as YYYY-MM-DD (UTC), got ${JSON.stringify(text)}`);
  return epochMs;
}

/** The day `days` days after (or before, when negative) a YYYY-MM-DD day. */
export function addUtcDays(day: string, days: number): string {
  return utcDayOf(parseUtcDay(day, 'day') + days * DAY_MS);
}

const TOKEN_COLUMNS = ['input_tokens', 'output_tokens', 'cache_read_input_tokens', 'cache_creation_input_tokens'] as const;
/** The columns a turn adds to, in table order; every store sums exactly these. */
export const USAGE_COUNT_COLUMNS = ['requests', 'errors', ...TOKEN_COLUMNS] as const;
/** A row's columns in table order: the day, key and model that identify it, then its counts. */
export const USAGE_ROW_COLUMNS = ['date', 'key', 'model', ...USAGE_COUNT_COLUMNS] as const;

/** What one turn adds: the values of USAGE_ROW_COLUMNS, in that order (its UTC day, key, model, then its counts). */
export type UsageRowValues = [
  date: string,
  key: string,
  model: string,
  requests: number,
  errors: number,
  inputTokens: number,
  outputTokens: number,
  cacheReadInputTokens: number,
  cacheCreationInputTokens: number,
];

/** The row values one finished turn adds, in USAGE_ROW_COLUMNS order. */
export function usageRowValuesOf(entry: UsageEntry): UsageRowValues {
  return [
    utcDayOf(entry.at),
    entry.key,
    entry.model,
    1,
    entry.ok ? 0 : 1,
    entry.inputTokens,
    entry.outputTokens,
    entry.cacheReadInputTokens,
    entry.cacheCreationInputTokens,
  ];
}

/** One condition of a usage query: `column operator value`, each store writing its own placeholder. */
export interface UsageCondition {
  column: 'date' | 'key' | 'model';
  operator: '>=' | '<=' | '=';
  value: string;
}

/**
 * The conditions of a usage query, in a fixed order; throws an Error (a 400 for the route) on a malformed day or a
 * `from` after `to`. YYYY-MM-DD strings order as the days do, so a store may compare the dates as text.
 */
export function usageConditionsOf(filter: UsageQuery): UsageCondition[] {
  if (filter.from != null) parseUtcDay(filter.from, 'from');
  if (filter.to != null) parseUtcDay(filter.to, 'to');
  if (filter.from != null && filter.to != null && filter.from > filter.to) throw new Error(`from (${filter.from}) is after to (${filter.to})`);
  const candidates: { column: UsageCondition['column']; operator: UsageCondition['operator']; value: string | undefined }[] = [
    { column: 'date', operator: '>=', value: filter.from },
    { column: 'date', operator: '<=', value: filter.to },
    { column: 'key', operator: '=', value: filter.key },
    { column: 'model', operator: '=', value: filter.model },
  ];
  return candidates.filter((condition): condition is UsageCondition => condition.value != null);
}

/**
 * A row as a database driver returned it, as a UsageRow: text stays text and counts become numbers (PostgreSQL's
 * `bigint` comes back as a string, SQLite's INTEGER as a number or a bigint). Exact up to 2^53, far above any day.
 */
export function toUsageRow(raw: unknown): UsageRow {
  const record = raw as Record<string, unknown>;
  return {
    date: String(record.date),
    key: String(record.key),
    model: String(record.model),
    requests: Number(record.requests),
    errors: Number(record.errors),
    input_tokens: Number(record.input_tokens),
    output_tokens: Number(record.output_tokens),
    cache_read_input_tokens: Number(record.cache_read_input_tokens),
    cache_creation_input_tokens: Number(record.cache_creation_input_tokens),
  };
}

// WITHOUT ROWID: the primary key is the only way rows are found, so the table is stored as that index.
const CREATE_TABLE = `CREATE TABLE IF NOT EXISTS usage_daily (
  date TEXT NOT NULL,
  key TEXT NOT NULL,
  model TEXT NOT NULL,
  ${USAGE_COUNT_COLUMNS.map((column) => `${column} INTEGER NOT NULL DEFAULT 0`).join(',\n  ')},
  PRIMARY KEY (date, key, model)
) WITHOUT ROWID`;

const UPSERT = `INSERT INTO usage_daily (${USAGE_ROW_COLUMNS.join(', ')})
VALUES (${USAGE_ROW_COLUMNS.map(() => '?').join(', ')})
ON CONFLICT (date, key, model) DO UPDATE SET ${USAGE_COUNT_COLUMNS.map((column) => `${column} = ${column} + excluded.${column}`).join(', ')}`;

function migrate(database: SqliteDatabase, location: string): void {
  // IMMEDIATE takes the write lock before reading the version, so two processes creating the file do not both migrate.
  database.exec('BEGIN IMMEDIATE');
  try {
    const version = Number((database.prepare('PRAGMA user_version').get() as { user_version?: unknown } | undefined)?.user_version ?? 0);
    if (version > USAGE_SCHEMA_VERSION) {
      throw new Error(`${location} holds usage schema ${version}, newer than this proxy knows (${USAGE_SCHEMA_VERSION}): upgrade claude-cli-proxy`);
    }
    if (version < 1) {
      database.exec(CREATE_TABLE);
      database.exec(`PRAGMA user_version = ${USAGE_SCHEMA_VERSION}`);
    }
    database.exec('COMMIT');
  } catch (error) {
    // A failed statement may have rolled back already; the first error is the one worth reporting.
    try {
      database.exec('ROLLBACK');
    } catch {
      // nothing left to undo
    }
    throw error;
  }
}

function prepareUpsert(database: SqliteDatabase, location: string): SqliteStatement {
  try {
    migrate(database, location);
    return database.prepare(UPSERT);
  } catch (error) {
    database.close();
    throw error;
  }
}

function selectRows(database: SqliteDatabase, filter: UsageQuery): UsageRow[] {
  // The dates are TEXT: YYYY-MM-DD compares as the days do.
  const conditions = usageConditionsOf(filter);
  const where = conditions.length > 0 ? ` WHERE ${conditions.map(({ column, operator }) => `${column} ${operator} ?`).join(' AND ')}` : '';
  const sql = `SELECT ${USAGE_ROW_COLUMNS.join(', ')} FROM usage_daily${where} ORDER BY date, key, model`;
  return database
    .prepare(sql)
    .all(...conditions.map(({ value }) => value))
    .map(toUsageRow);
}

/**
 * Opens (creating the file and its directory if needed) the usage database at `path`, or an in-memory one for
 * `:memory:`. Throws when no SQLite engine loads or the file cannot be opened; after that, `record` never throws.
 * `onError` hears each failed write (default: a line on stderr).
 */
export function openUsageStore(path: string, options: { onError?: (error: unknown) => void } = {}): UsageStore {
  const onError =
    options.onError ?? ((error: unknown) => console.error(`usage: a usage record was dropped: ${error instanceof Error ? error.message : String(error)}`));
  const database = openSqlite(path);
  const upsert = prepareUpsert(database, path);
  let closed = false;
  return {
    location: path,
    record(entry) {
      try {
        upsert.run(...usageRowValuesOf(entry));
      } catch (error) {
        onError(error);
      }
    },
    // async: a bad filter or a closed store comes back as a rejection, never as a synchronous throw.
    async query(filter = {}) {
      return selectRows(database, filter);
    },
    // Not async: the file closes during the call (a caller that does not await still finds it closed), and a failure
    // to close throws there as before.
    close() {
      // node:sqlite throws on a second close; closing twice is harmless for callers.
      if (!closed) {
        closed = true;
        database.close();
      }
      return Promise.resolve();
    },
  };
}
