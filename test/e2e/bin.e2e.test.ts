/**
 * The built `claude-proxy` binary as a user runs it: settings are validated at start, an exposed host without
 * keys is refused, and a CLI that is not logged in is reported clearly. Needs `npm run build` (npm test does it).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bundledClaudePath, hermeticEnvironment } from '../support/start-test-proxy.ts';

const MAIN = join(import.meta.dirname, '..', '..', 'dist', 'main.js');

function runBin(args: string[], environment: Record<string, string>) {
  const home = mkdtempSync(join(tmpdir(), 'claude-proxy-bin-home-'));
  const child = spawn(process.execPath, [MAIN, ...args], {
    env: { ...hermeticEnvironment(), HOME: home, CLAUDE_PATH: bundledClaudePath(), ...environment },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, output: () => output };
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('claude-proxy binary', () => {
  it('fails at start with a clear message on a bad setting', async () => {
    const run = runBin([], { PORT: 'eighty' });
    expect(await run.exited).toBe(2);
    expect(run.output()).toContain('PORT must be a whole number');
  });

  it('refuses to listen beyond loopback without keys', async () => {
    const run = runBin(['--host', '0.0.0.0'], {});
    expect(await run.exited).toBe(2);
    expect(run.output()).toMatch(/refusing to listen on 0\.0\.0\.0 without keys/);
  });

  it('refuses to start when ANTHROPIC_BASE_URL points at the proxy itself (the CLI would call it in a loop)', async () => {
    const run = runBin(['4777'], { ANTHROPIC_BASE_URL: 'http://localhost:4777' });
    expect(await run.exited).toBe(2);
    expect(run.output()).toContain('points at this proxy');
  });

  it('starts, says the CLI is not logged in and how to fix it, and stops on SIGTERM', async () => {
    const port = await freePort();
    const run = runBin([String(port)], {});
    await expect.poll(() => run.output(), { timeout: 20_000 }).toContain('listening on');
    expect(run.output()).toContain('NOT logged in');
    expect(run.output()).toContain('claude auth login');
    const health = await fetch(`http://127.0.0.1:${port}/health`);
    expect(health.status).toBe(503);
    expect(await health.json()).toMatchObject({ status: 'degraded', cli: { logged_in: false, version: '2.1.197' } });
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
  });
});
