/**
 * @module
 * Opens an embedded SQLite database through whichever engine this Node can load: the `better-sqlite3` package (an
 * optional dependency, a native addon built for the Node that ran `npm install`) or Node's own `node:sqlite` (no flag
 * needed from Node 22.13). Callers see one small interface, the subset both engines share (positional `?` parameters),
 * so the rest of the code does not care which one it got.
 */
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';

export interface SqliteStatement {
  run(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
  get(...params: unknown[]): unknown;
}

export interface SqliteDatabase {
  exec(sql: string): void;
  prepare(sql: string): SqliteStatement;
  close(): void;
  readonly backend: 'better-sqlite3' | 'node:sqlite';
}

/** One engine: `load` throws when it is not usable on this Node, else returns how to open a file with it. */
export interface SqliteBackend {
  readonly name: SqliteDatabase['backend'];
  load(): (path: string) => SqliteDatabase;
}

/**
 * Two proxies may write the same file (a usage command only reads, which WAL never blocks): wait this long for the
 * other's lock. Short, because a proxy writes on its event loop; a write that still finds the file busy is dropped
 * and reported rather than holding every request up.
 */
const BUSY_TIMEOUT_MS = 250;

interface NativeDatabase {
  exec(sql: string): unknown;
  prepare(sql: string): SqliteStatement;
  close(): unknown;
}

/** The parts of `better-sqlite3` and `node:sqlite` used here; @types/node 20 does not know `node:sqlite`. */
type BetterSqlite3Constructor = new (path: string) => NativeDatabase;
interface NodeSqliteModule {
  DatabaseSync: new (path: string) => NativeDatabase;
}

const require = createRequire(import.meta.url);

function wrap(database: NativeDatabase, backend: SqliteDatabase['backend']): SqliteDatabase {
  return {
    backend,
    exec: (sql) => void database.exec(sql),
    prepare: (sql) => database.prepare(sql),
    close: () => void database.close(),
  };
}

/** Loads once per process: a load that failed fails the same way again, and a probe costs an in-memory database. */
function once<T>(load: () => T): () => T {
  let outcome: { value: T } | { error: unknown } | undefined;
  return () => {
    if (outcome == null) {
      try {
        outcome = { value: load() };
      } catch (error) {
        outcome = { error };
      }
    }
    if ('error' in outcome) throw outcome.error;
    return outcome.value;
  };
}

export const betterSqlite3Backend: SqliteBackend = {
  name: 'better-sqlite3',
  load: once(() => {
    const Database = require('better-sqlite3') as BetterSqlite3Constructor;
    // The package's JavaScript loads on any Node; its native addon is loaded by the first `new Database`, and that is
    // where a build for another Node ABI fails. Probe in memory so that errors opening the real file are not mistaken
    // for an engine that cannot load (and hidden by a fallback).
    new Database(':memory:').close();
    return (path) => wrap(new Database(path), 'better-sqlite3');
  }),
};

export const nodeSqliteBackend: SqliteBackend = {
  name: 'node:sqlite',
  load: once(() => {
    // Nodes before 20.16 have no getBuiltinModule; there require('node:sqlite') throws, which means the same thing.
    const loaded = (typeof process.getBuiltinModule === 'function' ? process.getBuiltinModule('node:sqlite') : require('node:sqlite')) as
      Partial<NodeSqliteModule> | undefined;
    const DatabaseSync = loaded?.DatabaseSync;
    if (DatabaseSync == null) throw new Error(`node:sqlite is not available on Node ${process.versions.node}`);
    return (path) => wrap(new DatabaseSync(path), 'node:sqlite');
  }),
};

export const SQLITE_BACKENDS: readonly SqliteBackend[] = [betterSqlite3Backend, nodeSqliteBackend];

function describeError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0] ?? message;
}

/**
 * Opens (creating it if needed) the database at `path`, or an in-memory one for `:memory:`, with the first engine of
 * `backends` that loads. Throws when none does, saying how to get one.
 */
export function openSqlite(path: string, backends: readonly SqliteBackend[] = SQLITE_BACKENDS): SqliteDatabase {
  const failures: string[] = [];
  let open: ((path: string) => SqliteDatabase) | undefined;
  for (const backend of backends) {
    try {
      open = backend.load();
      break;
    } catch (error) {
      failures.push(`${backend.name}: ${describeError(error)}`);
    }
  }
  if (open == null) {
    throw new Error(
      `No SQLite engine could be loaded on Node ${process.versions.node} (${failures.join('; ')}). ` +
        'Run `npm install better-sqlite3` with this Node, or use Node >= 22.13, which has node:sqlite built in.',
    );
  }
  // The file may hold usage per API key name, so its directory is kept private.
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const database = open(path);
  try {
    // busy_timeout first, so that switching to WAL waits for another connection instead of failing.
    database.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
    // WAL lets readers (the usage command) read while a proxy writes; an in-memory database ignores it.
    database.exec('PRAGMA journal_mode = WAL');
    // With WAL, NORMAL is durable across a crash of the process and syncs at checkpoints, not per write: better-sqlite3
    // builds with it by default, node:sqlite does not (FULL would sync the disk on every turn).
    database.exec('PRAGMA synchronous = NORMAL');
  } catch (error) {
    database.close();
    throw error;
  }
  return database;
}
