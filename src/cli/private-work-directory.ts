/**
 * @module
 * The CLI's working directory: empty, owned by this user, mode 0700, and never the proxy's own folder (the CLI
 * would read CLAUDE.md and settings from it). Stable across restarts, so transcript folders are not multiplied.
 * Beside it, in the same private folder, the plugin every CLI process loads.
 */
import { chmodSync, mkdirSync, realpathSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { CONTEXT_FILTER_PLUGIN_FILES } from './context-filter-plugin.ts';

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

/**
 * Writes the proxy's context-filter plugin (context-filter-plugin.ts) next to the work directory, in the same private
 * folder, and returns its directory for `--plugin-dir`. Written at every start, so it always matches this version.
 */
export function installContextFilterPlugin(base = tmpdir()): string {
  const root = join(base, `claude-cli-proxy-${userInfo().uid}`);
  mkdirSync(root, { recursive: true, mode: 0o700 });
  chmodSync(root, 0o700);
  const directory = join(root, 'context-filter-plugin');
  for (const [path, content] of Object.entries(CONTEXT_FILTER_PLUGIN_FILES)) {
    mkdirSync(dirname(join(directory, path)), { recursive: true, mode: 0o700 });
    writeFileSync(join(directory, path), content, { mode: 0o600 });
  }
  return realpathSync(directory);
}
