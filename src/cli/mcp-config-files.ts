/**
 * @module
 * The `--mcp-config` file of each set of MCP servers requests run with: written once per set, mode 0600, in a folder
 * of this process only (mode 0700), named after a hash of its content (the same set reuses the same file, so warm and
 * kept processes started for it match the next request). The servers' env and headers hold credentials: a file keeps
 * them off the command line, and out of the logs.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { McpServerConfig } from '../core/mcp-servers.ts';

export class McpConfigFiles {
  private directory: string | undefined;
  private readonly written = new Set<string>();

  constructor(private readonly base = tmpdir()) {}

  /** The path of the config file for these servers, written on first use. */
  pathFor(servers: readonly McpServerConfig[]): string {
    const text = JSON.stringify({ mcpServers: Object.fromEntries(servers.map((server) => [server.name, cliEntry(server)])) });
    const name = `${createHash('sha256').update(text).digest('hex').slice(0, 32)}.json`;
    this.directory ??= mkdtempSync(join(this.base, 'claude-cli-proxy-mcp-'));
    const path = join(this.directory, name);
    if (!this.written.has(name)) {
      writeFileSync(path, text, { mode: 0o600 });
      this.written.add(name);
    }
    return path;
  }

  /** Removes the files (server shutdown). */
  remove(): void {
    if (this.directory != null) rmSync(this.directory, { recursive: true, force: true });
    this.directory = undefined;
    this.written.clear();
  }
}

function cliEntry(server: McpServerConfig): Record<string, unknown> {
  switch (server.type) {
    case 'stdio':
      return { type: 'stdio', command: server.command, args: server.args, env: server.env };
    case 'http':
    case 'sse':
      return { type: server.type, url: server.url, headers: server.headers };
  }
}
