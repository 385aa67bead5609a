/**
 * @module
 * Vitest global setup of the `e2e-oldest` project: installs the oldest CLI of the tested range into its own folder
 * (node_modules/.cache, once; the native binary is about 400 MB) so that the e2e suite also runs against it.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { TESTED_CLI_RANGE } from '../../src/cli/tested-cli-versions.ts';

export const OLDEST_CLI_DIRECTORY = join(import.meta.dirname, '..', '..', 'node_modules', '.cache', 'claude-cli-proxy', `cli-${TESTED_CLI_RANGE.oldest}`);
export const OLDEST_CLI_PATH = join(OLDEST_CLI_DIRECTORY, 'node_modules', '@anthropic-ai', 'claude-code', 'bin', 'claude.exe');

export default function installOldestCli(): void {
  const installed = (): boolean =>
    existsSync(OLDEST_CLI_PATH) && execFileSync(OLDEST_CLI_PATH, ['--version'], { encoding: 'utf8' }).startsWith(TESTED_CLI_RANGE.oldest);
  if (installed()) return;
  mkdirSync(OLDEST_CLI_DIRECTORY, { recursive: true });
  execFileSync(
    'npm',
    [
      'install',
      '--prefix',
      OLDEST_CLI_DIRECTORY,
      '--no-save',
      '--no-audit',
      '--no-fund',
      '--loglevel=error',
      `@anthropic-ai/claude-code@${TESTED_CLI_RANGE.oldest}`,
    ],
    { stdio: 'inherit' },
  );
  if (!installed()) throw new Error(`could not install Claude Code CLI ${TESTED_CLI_RANGE.oldest} into ${OLDEST_CLI_DIRECTORY}`);
}
