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
  /** Rows ordered by date, key, model. Async so that a PostgreSQL store (a later issue) fits the same interface. */
  query(filter?: UsageQuery): Promise<UsageRow[]>;
  close(): void;
  /** Where it keeps the rows: the file path, or ':memory:' */
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
const COUNT_COLUMNS = ['requests', 'errors', ...TOKEN_COLUMNS] as const;
const ROW_COLUMNS = ['date', 'key', 'model', ...COUNT_COLUMNS] as const;

// WITHOUT ROWID: the primary key is the only way rows are found, so the table is stored as that index.
const CREATE_TABLE = `CREATE TABLE IF NOT EXISTS usage_daily (
  date TEXT NOT NULL,
  key TEXT NOT NULL,
  model TEXT NOT NULL,
  ${COUNT_COLUMNS.map((column) => `${column} INTEGER NOT NULL DEFAULT 0`).join(',\n  ')},
  PRIMARY KEY (date, key, model)
) WITHOUT ROWID`;

const UPSERT = `INSERT INTO usage_daily (${ROW_COLUMNS.join(', ')})
VALUES (${ROW_COLUMNS.map(() => '?').join(', ')})
ON CONFLICT (date, key, model) DO UPDATE SET ${COUNT_COLUMNS.map((column) => `${column} = ${column} + excluded.${column}`).join(', ')}`;

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

function toRow(raw: unknown): UsageRow {
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

function selectRows(database: SqliteDatabase, filter: UsageQuery): UsageRow[] {
  if (filter.from != null) parseUtcDay(filter.from, 'from');
  if (filter.to != null) parseUtcDay(filter.to, 'to');
  if (filter.from != null && filter.to != null && filter.from > filter.to) throw new Error(`from (${filter.from}) is after to (${filter.to})`);
  // YYYY-MM-DD strings order as the days do, so the dates compare as text.
  const candidates: [sql: string, value: string | undefined][] = [
    ['date >= ?', filter.from],
    ['date <= ?', filter.to],
    ['key = ?', filter.key],
    ['model = ?', filter.model],
  ];
  const conditions = candidates.filter((condition): condition is [string, string] => condition[1] != null);
  const where = conditions.length > 0 ? ` WHERE ${conditions.map(([sql]) => sql).join(' AND ')}` : '';
  const sql = `SELECT ${ROW_COLUMNS.join(', ')} FROM usage_daily${where} ORDER BY date, key, model`;
  return database
    .prepare(sql)
    .all(...conditions.map(([, value]) => value))
    .map(toRow);
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
        upsert.run(
          utcDayOf(entry.at),
          entry.key,
          entry.model,
          1,
          entry.ok ? 0 : 1,
          entry.inputTokens,
          entry.outputTokens,
          entry.cacheReadInputTokens,
          entry.cacheCreationInputTokens,
        );
      } catch (error) {
        onError(error);
      }
    },
    // async: a bad filter or a closed store comes back as a rejection, never as a synchronous throw.
    async query(filter = {}) {
      return selectRows(database, filter);
    },
    close() {
      // node:sqlite throws on a second close; closing twice is harmless for callers.
      if (closed) return;
      closed = true;
      database.close();
    },
  };
}
