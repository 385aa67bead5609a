/**
 * The built `claude-proxy` binary as a user runs it: settings are validated at start, an exposed host without
 * keys is refused, and a CLI that is not logged in is reported clearly. Needs `npm run build` (npm test does it).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliProcessesWithHome } from '../support/cli-processes.ts';
import { FakeUpstream, textReply } from '../support/fake-upstream.ts';
import { bundledClaudePath, CLI_VERSION, hermeticEnvironment } from '../support/start-test-proxy.ts';
import { freePort } from '../support/free-port.ts';

const MAIN = join(import.meta.dirname, '..', '..', 'dist', 'main.js');

function runBin(args: string[], environment: Record<string, string>, home = mkdtempSync(join(tmpdir(), 'claude-proxy-bin-home-'))) {
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
    expect(await health.json()).toMatchObject({ status: 'degraded', cli: { logged_in: false, version: CLI_VERSION, in_tested_range: true } });
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
  });

  it('stops cleanly on SIGTERM to `npm start`: the running stream ends with an error event, idle connections close, no CLI is left', async () => {
    // `npm start` used to run node under `sh -c`, which does not pass SIGTERM on: the server was orphaned and kept serving.
    const upstream = new FakeUpstream();
    const upstreamUrl = await upstream.start();
    upstream.when('marker-shutdown', textReply('never finished', { chunks: ['never', ' finished'], interrupt: { afterEvents: 3, mode: 'stall' } }));
    const home = mkdtempSync(join(tmpdir(), 'claude-proxy-npm-home-'));
    const port = await freePort();
    const npm = spawn('npm', ['start', '--silent', '--', String(port)], {
      cwd: join(import.meta.dirname, '..', '..'),
      env: {
        ...hermeticEnvironment(),
        HOME: home,
        CLAUDE_PATH: bundledClaudePath(),
        ANTHROPIC_BASE_URL: upstreamUrl,
        ANTHROPIC_API_KEY: 'sk-ant-test-fake-upstream',
        SHUTDOWN_GRACE_MS: '1000',
        WARM_POOL_SIZE: '1',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    npm.stdout.on('data', (chunk) => (output += chunk));
    npm.stderr.on('data', (chunk) => (output += chunk));
    const exited = new Promise<number | null>((resolve) => npm.on('exit', (code) => resolve(code)));
    try {
      await expect.poll(() => output, { timeout: 30_000 }).toContain('listening on');
      const base = `http://127.0.0.1:${port}`;
      const stream = await fetch(`${base}/v1/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
        body: JSON.stringify({ model: 'sonnet', max_tokens: 10, stream: true, messages: [{ role: 'user', content: 'marker-shutdown' }] }),
      });
      const reader = stream.body!.getReader();
      let streamed = '';
      while (!streamed.includes('never')) streamed += new TextDecoder().decode((await reader.read()).value);
      // An SDK's pooled connection: one finished request, then idle.
      const idle = connect(port, '127.0.0.1');
      const idleClosed = new Promise<void>((resolve) => idle.on('close', () => resolve()));
      idle.on('error', () => undefined);
      let idleAnswer = '';
      idle.on('data', (chunk) => (idleAnswer += String(chunk)));
      idle.write(`GET /health HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: keep-alive\r\n\r\n`);
      await expect.poll(() => idleAnswer).toContain('"status"');

      const signalledAt = Date.now();
      npm.kill('SIGTERM');
      for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) streamed += new TextDecoder().decode(chunk.value);
      await idleClosed;
      expect(await exited).toBe(0);
      // Bounded: the grace period (1 s), then the running turn is ended and the CLI processes are killed.
      expect(Date.now() - signalledAt).toBeLessThan(1000 + 5000);
      expect(streamed).toContain('event: error');
      expect(streamed).toContain('shutting down');
      expect(cliProcessesWithHome(home)).toEqual([]);
    } finally {
      npm.kill('SIGKILL');
      await upstream.stop();
      rmSync(home, { recursive: true, force: true });
    }
  });
});

/** A CLI that adds to what the model sees: the tested CLI behind a script that appends to the system prompt. */
function injectingWrapper(): string {
  const directory = mkdtempSync(join(tmpdir(), 'claude-proxy-wrapper-'));
  const path = join(directory, 'claude');
  writeFileSync(
    path,
    `#!/bin/sh\ncase " $* " in *" -p "*) exec '${bundledClaudePath()}' "$@" --append-system-prompt "INJECTED BY A WRAPPER";; esac\nexec '${bundledClaudePath()}' "$@"\n`,
    { mode: 0o755 },
  );
  return path;
}

describe('claude-proxy doctor and the fidelity self-check', () => {
  it('says the tested CLI is fine: version in range, logged in, the model sees only what the client sent', async () => {
    const run = runBin(['doctor'], { ANTHROPIC_API_KEY: 'sk-ant-test-doctor' });
    expect(await run.exited).toBe(0);
    expect(run.output()).toContain(`CLI ${CLI_VERSION} is tested with this proxy`);
    expect(run.output()).toContain('logged in (api_key)');
    expect(run.output()).toMatch(/fidelity: {2}ok/);
    expect(run.output()).toContain('all good');
  });

  it('reports drift, what differs and what to do, when the CLI adds something to what the model sees', async () => {
    const run = runBin(['doctor'], { CLAUDE_PATH: injectingWrapper(), ANTHROPIC_API_KEY: 'sk-ant-test-doctor' });
    expect(await run.exited).toBe(1);
    expect(run.output()).toContain('DRIFT');
    expect(run.output()).toContain('INJECTED BY A WRAPPER');
    expect(run.output()).toContain('use a tested CLI');
  });

  it('runs the same check at start-up and shows its result in /health', async () => {
    for (const [claudePath, expected] of [
      [bundledClaudePath(), 'ok'],
      [injectingWrapper(), 'drift'],
    ] as const) {
      const port = await freePort();
      const run = runBin([String(port)], { CLAUDE_PATH: claudePath });
      try {
        await expect.poll(() => run.output(), { timeout: 20_000 }).toContain('listening on');
        const fidelity = async () =>
          ((await (await fetch(`http://127.0.0.1:${port}/health`)).json()) as { cli: { fidelity: string; fidelity_differences?: string[] } }).cli;
        await expect.poll(async () => (await fidelity()).fidelity, { timeout: 30_000 }).toBe(expected);
        if (expected === 'drift') expect((await fidelity()).fidelity_differences?.join('\n')).toContain('INJECTED BY A WRAPPER');
      } finally {
        run.child.kill('SIGTERM');
        await run.exited;
      }
    }
  });

  it('keeps usage per key across a restart, prints it with `claude-proxy usage`, logs one short line per request, and serves the status page', async () => {
    const upstream = new FakeUpstream();
    const upstreamUrl = await upstream.start();
    upstream.setDefault(textReply('Counted.', { usage: { input_tokens: 31, output_tokens: 4 } }));
    const home = mkdtempSync(join(tmpdir(), 'claude-proxy-usage-home-'));
    const environment = {
      ANTHROPIC_BASE_URL: upstreamUrl,
      ANTHROPIC_API_KEY: 'sk-ant-test-fake-upstream',
      PROXY_API_KEYS: 'cursor:sk-cursor',
      LOG_FORMAT: 'pretty',
      WARM_POOL_SIZE: '0',
    };
    const ask = (port: number) =>
      fetch(`http://127.0.0.1:${port}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer sk-cursor' },
        body: JSON.stringify({ model: 'sonnet', messages: [{ role: 'user', content: 'count me' }] }),
      });
    try {
      for (const run of [1, 2]) {
        const port = await freePort();
        const proxy = runBin([String(port)], environment, home);
        await expect.poll(() => proxy.output(), { timeout: 20_000 }).toContain('listening on');
        expect(proxy.output()).toContain(`kept in ${join(home, '.claude-cli-proxy', 'usage.db')}`);
        expect((await ask(port)).status).toBe(200);
        // LOG_FORMAT=pretty: the request's line leads with its status, API, model and how it was served.
        await expect.poll(() => proxy.output()).toMatch(/INFO +200 chat claude-\S+ cold key=cursor ttft [\d.]+m?s [\d.]+m?s in 31 out 4 req_/);
        const usage = (await (await fetch(`http://127.0.0.1:${port}/v1/usage`, { headers: { 'x-api-key': 'sk-cursor' } })).json()) as {
          totals: { requests: number; input_tokens: number };
        };
        expect(usage.totals).toMatchObject({ requests: run, input_tokens: 31 * run });
        const page = await fetch(`http://127.0.0.1:${port}/`);
        expect(page.headers.get('content-type')).toContain('text/html');
        expect(await page.text()).toContain('/v1/status');
        proxy.child.kill('SIGTERM');
        expect(await proxy.exited).toBe(0);
      }
      const command = runBin(['usage', '--json'], environment, home);
      expect(await command.exited).toBe(0);
      const rows = JSON.parse(command.output().slice(command.output().indexOf('['))) as Array<Record<string, unknown>>;
      expect(rows).toEqual([expect.objectContaining({ key: 'cursor', requests: 2, input_tokens: 62, output_tokens: 8 })]);
      const table = runBin(['usage'], environment, home);
      expect(await table.exited).toBe(0);
      expect(table.output()).toMatch(/cursor +claude-\S+ +2 +0 +62/);
    } finally {
      await upstream.stop();
      rmSync(home, { recursive: true, force: true });
    }
  });
});
