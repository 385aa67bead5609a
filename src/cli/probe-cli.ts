/**
 * @module
 * What /health and start-up report about the CLI: its version and whether it is logged in
 * (`claude auth status --json`, which exits 1 when not logged in; measured on 2.1.197).
 */
import { execFile } from 'node:child_process';
import { buildCliEnvironment } from './build-cli-invocation.ts';

export interface CliProbe {
  path: string;
  version: string | undefined;
  loggedIn: boolean | undefined;
  authMethod: string | undefined;
  /** Why the probe failed, if it did. */
  error: string | undefined;
}

const PROBE_TIMEOUT_MS = 15_000;

function run(path: string, args: string[], environment: Record<string, string | undefined>): Promise<{ code: number; stdout: string; error?: Error }> {
  return new Promise((resolve) => {
    execFile(path, args, { env: buildCliEnvironment(environment), timeout: PROBE_TIMEOUT_MS, windowsHide: true }, (error, stdout) => {
      const code = error == null ? 0 : typeof error.code === 'number' ? error.code : -1;
      resolve(error != null && typeof error.code !== 'number' ? { code, stdout, error } : { code, stdout });
    });
  });
}

export async function probeCli(path: string, environment: Record<string, string | undefined>): Promise<CliProbe> {
  const [versionRun, authRun] = await Promise.all([run(path, ['--version'], environment), run(path, ['auth', 'status', '--json'], environment)]);
  if (versionRun.error != null) {
    return { path, version: undefined, loggedIn: undefined, authMethod: undefined, error: `cannot run ${path}: ${versionRun.error.message}` };
  }
  const version = /\d+\.\d+\.\d+/.exec(versionRun.stdout)?.[0];
  try {
    const status = JSON.parse(authRun.stdout) as { loggedIn?: unknown; authMethod?: unknown };
    return {
      path,
      version,
      loggedIn: status.loggedIn === true,
      authMethod: typeof status.authMethod === 'string' ? status.authMethod : undefined,
      error: undefined,
    };
  } catch {
    return { path, version, loggedIn: undefined, authMethod: undefined, error: 'could not read `claude auth status --json`' };
  }
}
