/**
 * @module
 * What /health and start-up report about the CLI: its version and whether it is logged in
 * (`claude auth status --json`, which exits 1 when not logged in; measured on 2.1.197). A probe that cannot be read
 * (timed out on a loaded machine, cut short) is inconclusive, not a failure: only a CLI that cannot be started at
 * all, or that says it is not logged in, is.
 */
import { execFile } from 'node:child_process';
import { buildCliEnvironment } from './build-cli-invocation.ts';

export interface CliProbe {
  path: string;
  version: string | undefined;
  loggedIn: boolean | undefined;
  authMethod: string | undefined;
  /** Why the CLI cannot be run at all (not found, not executable), if so. */
  error: string | undefined;
  /** Why this probe told nothing (a timeout, unreadable output): the previous state still holds. */
  inconclusive?: string | undefined;
}

const PROBE_TIMEOUT_MS = 15_000;

interface ProbeRun {
  code: number;
  stdout: string;
  /** The process could not be started (ENOENT, EACCES): definite. */
  spawnError?: Error;
  /** Killed by the timeout or a signal: says nothing about the CLI. */
  interrupted?: boolean;
}

function run(path: string, args: string[], environment: Record<string, string | undefined>): Promise<ProbeRun> {
  return new Promise((resolve) => {
    execFile(path, args, { env: buildCliEnvironment(environment), timeout: PROBE_TIMEOUT_MS, windowsHide: true }, (error, stdout) => {
      if (error == null) return resolve({ code: 0, stdout });
      if (typeof error.code === 'number') return resolve({ code: error.code, stdout });
      if (error.killed === true || error.signal != null) return resolve({ code: -1, stdout, interrupted: true });
      return resolve({ code: -1, stdout, spawnError: error });
    });
  });
}

export async function probeCli(path: string, environment: Record<string, string | undefined>): Promise<CliProbe> {
  const [versionRun, authRun] = await Promise.all([run(path, ['--version'], environment), run(path, ['auth', 'status', '--json'], environment)]);
  const nothing = { path, version: undefined, loggedIn: undefined, authMethod: undefined, error: undefined };
  if (versionRun.spawnError != null) return { ...nothing, error: `cannot run ${path}: ${versionRun.spawnError.message}` };
  if (versionRun.interrupted === true) return { ...nothing, inconclusive: `\`${path} --version\` did not answer within ${PROBE_TIMEOUT_MS} ms` };
  const version = /\d+\.\d+\.\d+/.exec(versionRun.stdout)?.[0];
  try {
    const status = JSON.parse(authRun.stdout) as { loggedIn?: unknown; authMethod?: unknown };
    return { ...nothing, version, loggedIn: status.loggedIn === true, authMethod: typeof status.authMethod === 'string' ? status.authMethod : undefined };
  } catch {
    return {
      ...nothing,
      version,
      inconclusive: authRun.interrupted === true ? '`claude auth status --json` did not answer in time' : 'could not read `claude auth status --json`',
    };
  }
}
