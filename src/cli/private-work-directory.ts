/**
 * @module
 * The CLI's working directory: empty, owned by this user, mode 0700, and never the proxy's own folder (the CLI
 * would read CLAUDE.md and settings from it). Stable across restarts, so transcript folders are not multiplied.
 */
import { chmodSync, mkdirSync, realpathSync, statSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

export function ensurePrivateWorkDirectory(base = tmpdir()): string {
  const directory = join(base, `claude-cli-proxy-${userInfo().uid}`, 'work');
  mkdirSync(directory, { recursive: true, mode: 0o700 });
  chmodSync(join(directory, '..'), 0o700);
  const stats = statSync(directory);
  if (process.getuid != null && stats.uid !== process.getuid()) {
    throw new Error(`${directory} belongs to another user; set --cwd to a private empty directory`);
  }
  chmodSync(directory, 0o700);
  // Resolved, so logs and the CLI agree on one path (e.g. /private/var/... on macOS).
  return realpathSync(directory);
}
