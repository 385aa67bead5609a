/**
 * @module
 * Proxy + real CLI + fake upstream, all on loopback: the e2e tests, `npm run demo` and `npm run bench` use it.
 * The CLI runs with a fresh HOME and an API key for the fake upstream, so nothing of the developer's own
 * Claude login or settings is read.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { ClaudeCliRunner, runnerSettings } from '../../src/cli/claude-cli-runner.ts';
import { CliHealth } from '../../src/cli/cli-health.ts';
import { probeCli } from '../../src/cli/probe-cli.ts';
import type { TurnReport } from '../../src/cli/turn-report.ts';
import { ensurePrivateWorkDirectory, installContextFilterPlugin } from '../../src/cli/private-work-directory.ts';
import { loadConfig, type Config } from '../../src/config.ts';
import { createApp } from '../../src/server/create-app.ts';
import { openUsageStore, type UsageStore } from '../../src/usage/usage-store.ts';
import { FakeUpstream } from './fake-upstream.ts';
import type { Account } from '../../src/accounts/account-registry.ts';
import { AccountRouter } from '../../src/server/account-router.ts';

/**
 * The CLI the tests run: the bundled, pinned one, or TEST_CLAUDE_PATH (CI runs the e2e suite once per CLI of the
 * supported range).
 */
export function bundledClaudePath(): string {
  return process.env.TEST_CLAUDE_PATH ?? join(import.meta.dirname, '..', '..', 'node_modules', '@anthropic-ai', 'claude-code', 'bin', 'claude.exe');
}

/** The version of that CLI, as it reports it. */
export const CLI_VERSION = /\d+\.\d+\.\d+/.exec(execFileSync(bundledClaudePath(), ['--version'], { encoding: 'utf8' }))?.[0] ?? 'unknown';

export interface TestProxy {
  url: string;
  upstream: FakeUpstream;
  app: FastifyInstance;
  runner: ClaudeCliRunner;
  cliHealth: CliHealth;
  home: string;
  config: Config;
  /** The report of every turn that ended, in order (the app's turnObserver). */
  reports: TurnReport[];
  /** Usage accounting, in memory. */
  usage: UsageStore;
  close: () => Promise<void>;
}

export interface TestProxyOptions {
  /** Proxy settings as environment variables (PROXY_API_KEYS, REQUEST_TIMEOUT_MS, ...). */
  settings?: Record<string, string>;
  /** Extra variables for the CLI's environment; undefined removes one (ANTHROPIC_API_KEY, for a subscription login). */
  cliEnvironment?: Record<string, string | undefined>;
  upstream?: FakeUpstream;
  /** Subscription accounts turns are spread over, and keys bound to them (by key name). */
  accounts?: { list: Account[]; keyAccounts?: ReadonlyMap<string, string> };
}

/** The developer's environment without anything that would point the CLI at a real account. */
export function hermeticEnvironment(): Record<string, string | undefined> {
  const environment: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!name.startsWith('ANTHROPIC_') && !name.startsWith('CLAUDE_')) environment[name] = value;
  }
  return environment;
}

export async function startTestProxy(options: TestProxyOptions = {}): Promise<TestProxy> {
  const upstream = options.upstream ?? new FakeUpstream();
  const upstreamUrl = await upstream.start();
  const home = mkdtempSync(join(tmpdir(), 'claude-proxy-test-home-'));
  const cliEnvironment = {
    ...hermeticEnvironment(),
    HOME: home,
    ANTHROPIC_BASE_URL: upstreamUrl,
    ANTHROPIC_API_KEY: 'sk-ant-test-fake-upstream',
    ...options.cliEnvironment,
  };
  // The e2e suite runs twice: with the warm pool and conversation affinity (default), and without either (project
  // e2e-cold: every turn on a fresh process), same cases.
  const pool =
    process.env.TEST_WARM_POOL_SIZE != null ? { WARM_POOL_SIZE: process.env.TEST_WARM_POOL_SIZE, AFFINITY_SIZE: process.env.TEST_WARM_POOL_SIZE } : {};
  const config = loadConfig(
    // The memory budget is left out of cases about other things (memory-budget.e2e.test.ts sets its own): two test
    // files at a time on a loaded machine make the CLIs' RSS vary, and a kept process must not go for that.
    { LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent', IDLE_MEMORY_MB: '8192', ...pool, ...options.settings, CLAUDE_PATH: bundledClaudePath(), PORT: '4523' },
    [],
  );
  const runner = new ClaudeCliRunner(runnerSettings(config, ensurePrivateWorkDirectory(home), cliEnvironment, installContextFilterPlugin(home)));
  runner.prewarm(config.warmModel);
  const cliHealth = new CliHealth({ path: config.claudePath, probe: () => probeCli(config.claudePath, cliEnvironment), now: Date.now, intervalMs: 30_000 });
  await cliHealth.refresh();
  const reports: TurnReport[] = [];
  const usage = openUsageStore(':memory:');
  const accounts = options.accounts != null ? new AccountRouter(options.accounts.list, options.accounts.keyAccounts ?? new Map(), Date.now) : undefined;
  const app = await createApp({ config, runner, cliHealth, now: Date.now, turnObserver: (report) => reports.push(report), usage, accounts });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    url,
    upstream,
    app,
    runner,
    cliHealth,
    home,
    config,
    reports,
    usage,
    close: async () => {
      // A client may have opened a connection it never sent a request on (undici does after an abort): Node counts
      // it neither idle nor busy, and it would hold app.close() for the server's request timeout.
      const closed = app.close();
      app.server.closeAllConnections();
      await closed;
      await usage.close();
      await upstream.stop();
      rmSync(home, { recursive: true, force: true });
    },
  };
}
