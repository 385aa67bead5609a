import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { betterSqlite3Backend, nodeSqliteBackend, openSqlite, type SqliteBackend, type SqliteDatabase } from './open-sqlite.ts';

function loads(backend: SqliteBackend): boolean {
  try {
    backend.load();
    return true;
  } catch {
    return false;
  }
}

const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
/** node:sqlite needs no flag from Node 22.13 (and on 23.4+). */
const hasNodeSqlite = major > 22 || (major === 22 && minor >= 13);

const directories: string[] = [];
const databases: SqliteDatabase[] = [];
afterEach(() => {
  for (const database of databases.splice(0)) database.close();
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
});

function temporaryDirectory(): string {
  const directory = mkdtempSync(join(tmpdir(), 'open-sqlite-'));
  directories.push(directory);
  return directory;
}

function track(database: SqliteDatabase): SqliteDatabase {
  databases.push(database);
  return database;
}

function roundTrip(database: SqliteDatabase): unknown[] {
  database.exec('CREATE TABLE t (a INTEGER, b TEXT)');
  const insert = database.prepare('INSERT INTO t (a, b) VALUES (?, ?)');
  insert.run(1, 'one');
  insert.run(2, 'two');
  expect(database.prepare('SELECT b FROM t WHERE a = ?').get(2)).toEqual({ b: 'two' });
  expect(database.prepare('SELECT b FROM t WHERE a = ?').get(3)).toBeUndefined();
  return database.prepare('SELECT a, b FROM t WHERE a >= ? ORDER BY a').all(1);
}

describe('openSqlite', () => {
  it('loads better-sqlite3 when its addon fits this Node, node:sqlite otherwise', () => {
    const database = track(openSqlite(':memory:'));
    expect(database.backend).toBe(loads(betterSqlite3Backend) ? 'better-sqlite3' : 'node:sqlite');
    // Node 20 has no node:sqlite: there the optional dependency is what makes usage accounting work.
    if (!hasNodeSqlite) expect(database.backend).toBe('better-sqlite3');
    expect(roundTrip(database)).toEqual([
      { a: 1, b: 'one' },
      { a: 2, b: 'two' },
    ]);
  });

  it.skipIf(!hasNodeSqlite)('works through node:sqlite where this Node has it', () => {
    const path = join(temporaryDirectory(), 'node.db');
    const database = track(openSqlite(path, [nodeSqliteBackend]));
    expect(database.backend).toBe('node:sqlite');
    expect(roundTrip(database)).toEqual([
      { a: 1, b: 'one' },
      { a: 2, b: 'two' },
    ]);
    expect(database.prepare('PRAGMA journal_mode').get()).toEqual({ journal_mode: 'wal' });
  });

  it('falls back to the next engine when one cannot load', () => {
    const broken: SqliteBackend = {
      name: 'better-sqlite3',
      load: () => {
        throw new Error('was compiled against a different Node.js version');
      },
    };
    const working = loads(betterSqlite3Backend) ? betterSqlite3Backend : nodeSqliteBackend;
    const database = track(openSqlite(':memory:', [broken, { name: 'node:sqlite', load: () => working.load() }]));
    expect(roundTrip(database)).toHaveLength(2);
  });

  it('says what to do when no engine loads, with why each failed', () => {
    const failing = (name: SqliteBackend['name'], message: string): SqliteBackend => ({
      name,
      load: () => {
        throw new Error(`${message}\nsecond line`);
      },
    });
    expect(() => openSqlite(':memory:', [failing('better-sqlite3', 'addon mismatch'), failing('node:sqlite', 'no such module')])).toThrow(
      /better-sqlite3: addon mismatch; node:sqlite: no such module\)\..*npm install better-sqlite3.*Node >= 22\.13/,
    );
  });

  it('creates the parent directories, private, and opens the file in WAL mode with a short busy timeout and no sync per write', () => {
    const path = join(temporaryDirectory(), 'a', 'b', 'usage.db');
    const database = track(openSqlite(path));
    expect(statSync(join(path, '..')).mode & 0o777).toBe(0o700);
    expect(statSync(path).isFile()).toBe(true);
    expect(database.prepare('PRAGMA journal_mode').get()).toEqual({ journal_mode: 'wal' });
    expect(database.prepare('PRAGMA busy_timeout').get()).toEqual({ timeout: 250 });
    // NORMAL (1), not node:sqlite's default FULL (2): no disk sync per turn.
    expect(database.prepare('PRAGMA synchronous').get()).toEqual({ synchronous: 1 });
  });

  it('lets two connections to one file see each other’s writes', () => {
    const path = join(temporaryDirectory(), 'shared.db');
    const writer = track(openSqlite(path));
    const reader = track(openSqlite(path));
    writer.exec('CREATE TABLE t (a INTEGER)');
    writer.prepare('INSERT INTO t (a) VALUES (?)').run(7);
    expect(reader.prepare('SELECT a FROM t').all()).toEqual([{ a: 7 }]);
  });
});
