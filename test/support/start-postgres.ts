/**
 * @module
 * A real, throw-away PostgreSQL server for tests: `initdb` into a temporary directory, then `postgres` itself (not
 * `pg_ctl`, so the server's PID is the child's and it is stopped by that PID) on a free loopback port, with its unix
 * socket in the same directory. PostgreSQL refuses to run as root, so under root both run as `nobody`, the directory
 * given to it. TCP connections need the password (scram-sha-256), so a test sees the password actually used.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { accessSync, chownSync, constants, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { Client } from 'pg';

export interface PostgresBinaries {
  initdb: string;
  postgres: string;
}

export interface StartedPostgres {
  readonly port: number;
  /** The postmaster's PID, until stop(). */
  readonly pid: number;
  readonly user: string;
  readonly password: string;
  /** postgres://user:password@127.0.0.1:port/database (`postgres` by default). */
  url(database?: string): string;
  /** Creates an empty schema in the `postgres` database and returns a URL whose search_path is that schema (cheaper than a database). */
  createSchema(name: string): Promise<string>;
  /** Stops the server (a fast shutdown) and waits for it to exit; the directory stays. Idempotent. */
  stop(): Promise<void>;
  /** Stops the server and removes its directory. Idempotent. */
  close(): Promise<void>;
}

const USER = 'proxy';
const PASSWORD = 'pg-test-secret';
const READY_LINE = 'database system is ready to accept connections';
const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 15_000;
const PORT_ATTEMPTS = 3;

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** Newest major version first: `/usr/lib/postgresql/16/bin` before `/usr/lib/postgresql/15/bin`. */
function debianBinDirectories(): string[] {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .filter((name) => /^\d+(\.\d+)?$/.test(name))
    .sort((left, right) => Number(right) - Number(left))
    .map((name) => join(root, name, 'bin'));
}

/**
 * `initdb` and `postgres` from one directory (a version must not initialise the data of another): the first directory
 * on PATH that holds both, else Debian's `/usr/lib/postgresql/<version>/bin`, newest first. A string says what is
 * missing.
 */
export function findPostgresBinaries(): PostgresBinaries | string {
  const onPath = (process.env.PATH ?? '').split(delimiter).filter((directory) => directory !== '');
  for (const directory of [...onPath, ...debianBinDirectories()]) {
    const initdb = join(directory, 'initdb');
    const postgres = join(directory, 'postgres');
    if (isExecutable(initdb) && isExecutable(postgres)) return { initdb, postgres };
  }
  return 'PostgreSQL is not installed (no initdb and postgres on PATH or in /usr/lib/postgresql/*/bin; apt-get install postgresql)';
}

/** Under root: the uid and gid of `nobody`, whom PostgreSQL accepts. */
function unprivilegedIds(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string) => Number(execFileSync('id', [flag, 'nobody'], { encoding: 'utf8' }).trim());
  return { uid: id('-u'), gid: id('-g') };
}

/** A directory `nobody` can reach: TMPDIR when every directory above it lets others through, else /tmp. */
function temporaryRoot(asOther: boolean): string {
  const root = tmpdir();
  if (!asOther) return root;
  for (let directory = root; ; directory = dirname(directory)) {
    if ((statSync(directory).mode & 0o001) === 0) return '/tmp';
    if (dirname(directory) === directory) return root;
  }
}

async function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address != null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

function run(command: string, args: string[], ids: { uid: number; gid: number } | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...ids, env: { ...process.env, LC_ALL: 'C' } });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code, signal) =>
      code === 0 ? resolve() : reject(new Error(`${command} ${args.join(' ')} exited with ${code ?? signal}:\n${output}`)),
    );
  });
}

/** Spawns the postmaster and waits for its ready line; rejects with its log when it exits first (a port taken). */
function spawnServer(
  postgres: string,
  dataDirectory: string,
  socketDirectory: string,
  port: number,
  ids: { uid: number; gid: number } | undefined,
): Promise<ChildProcess> {
  const args = [
    '-D',
    dataDirectory,
    '-p',
    String(port),
    '-k',
    socketDirectory,
    '-c',
    'listen_addresses=127.0.0.1',
    '-c',
    'fsync=off',
    '-c',
    'full_page_writes=off',
    '-c',
    'synchronous_commit=off',
    '-c',
    'shared_buffers=16MB',
    '-c',
    'max_connections=30',
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(postgres, args, { stdio: ['ignore', 'ignore', 'pipe'], ...ids, env: { ...process.env, LC_ALL: 'C' } });
    let log = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`postgres did not get ready in ${START_TIMEOUT_MS} ms:\n${log}`));
    }, START_TIMEOUT_MS);
    const onExit = (code: number | null, signal: NodeJS.Signals | null) => {
      clearTimeout(timer);
      reject(new Error(`postgres exited with ${code ?? signal} before it was ready:\n${log}`));
    };
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('exit', onExit);
    child.stderr?.on('data', (chunk: Buffer) => {
      const wasReady = log.includes(READY_LINE);
      log += chunk.toString();
      if (!wasReady && log.includes(READY_LINE)) {
        clearTimeout(timer);
        child.off('exit', onExit);
        resolve(child);
      }
    });
  });
}

/**
 * Starts a fresh server. Throws when PostgreSQL is missing (a test decides whether that skips it) or does not start.
 * Call close() when done; a server still running when the test process exits is killed then.
 */
export async function startPostgres(): Promise<StartedPostgres> {
  const binaries = findPostgresBinaries();
  if (typeof binaries === 'string') throw new Error(binaries);
  const ids = unprivilegedIds();
  const directory = mkdtempSync(join(temporaryRoot(ids != null), 'claude-proxy-pg-'));
  const dataDirectory = join(directory, 'data');
  const socketDirectory = join(directory, 'socket');
  const passwordFile = join(directory, 'password');
  let child: ChildProcess | undefined;
  let port = 0;
  try {
    mkdirSync(socketDirectory);
    writeFileSync(passwordFile, `${PASSWORD}\n`, { mode: 0o600 });
    if (ids != null) for (const path of [directory, socketDirectory, passwordFile]) chownSync(path, ids.uid, ids.gid);
    await run(
      binaries.initdb,
      [
        '-D',
        dataDirectory,
        '-U',
        USER,
        `--pwfile=${passwordFile}`,
        '--auth-local=trust',
        '--auth-host=scram-sha-256',
        '--encoding=UTF8',
        '--locale=C',
        '--no-sync',
      ],
      ids,
    );
    for (let attempt = 1; child == null; attempt += 1) {
      port = await freeLoopbackPort();
      try {
        child = await spawnServer(binaries.postgres, dataDirectory, socketDirectory, port, ids);
      } catch (error) {
        // Another process may have taken the port between our probe and the bind: try another.
        if (attempt >= PORT_ATTEMPTS || !String(error).includes('could not bind')) throw error;
      }
    }
  } catch (error) {
    rmSync(directory, { recursive: true, force: true });
    throw error;
  }

  const server = child;
  const pid = server.pid ?? 0;
  const exited = new Promise<void>((resolve) => (server.exitCode != null || server.signalCode != null ? resolve() : server.once('exit', () => resolve())));
  // SIGQUIT: PostgreSQL's immediate shutdown, the only one a synchronous exit handler can ask for.
  const killOnExit = () => server.kill('SIGQUIT');
  process.once('exit', killOnExit);
  let stopping: Promise<void> | undefined;
  let closing: Promise<void> | undefined;
  const url = (database = 'postgres') => `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`;

  const stop = () => {
    stopping ??= (async () => {
      process.off('exit', killOnExit);
      // SIGINT: fast shutdown (sessions are ended, no wait for clients), by the PID we started.
      try {
        process.kill(pid, 'SIGINT');
      } catch {
        // it has exited already
      }
      const timer = setTimeout(() => server.kill('SIGKILL'), STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
    })();
    return stopping;
  };

  return {
    port,
    pid,
    user: USER,
    password: PASSWORD,
    url,
    async createSchema(name) {
      const client = new Client({ connectionString: url() });
      await client.connect();
      try {
        await client.query(`CREATE SCHEMA ${client.escapeIdentifier(name)}`);
      } finally {
        await client.end();
      }
      return `${url()}?options=${encodeURIComponent(`-c search_path=${name}`)}`;
    },
    stop,
    close() {
      closing ??= stop().then(() => rmSync(directory, { recursive: true, force: true }));
      return closing;
    },
  };
}
