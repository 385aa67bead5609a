#!/usr/bin/env node
/**
 * @module
 * Entry point: settings, CLI check, server, signals. The only module with top-level side effects.
 */
import { readFileSync } from 'node:fs';
import { ClaudeCliRunner, runnerSettings } from './cli/claude-cli-runner.ts';
import { CliHealth } from './cli/cli-health.ts';
import { probeCli } from './cli/probe-cli.ts';
import { describeRangeStatus, rangeStatus } from './cli/tested-cli-versions.ts';
import { ensurePrivateWorkDirectory, installContextFilterPlugin } from './cli/private-work-directory.ts';
import { ConfigError, loadConfig, parseCommandLine, USAGE, type Config } from './config.ts';
import { runDoctor } from './doctor.ts';
import { createApp } from './server/create-app.ts';
import { checkCliFidelity } from './cli/check-cli-fidelity.ts';
import { createPrettyLogStream } from './server/pretty-log-stream.ts';
import { runUsageCommand } from './usage/usage-command.ts';
import { environmentOf, runAccountsCommand } from './accounts/accounts-command.ts';
import { loadAccounts } from './accounts/account-registry.ts';
import { AccountRouter } from './server/account-router.ts';
import { openUsageStore, type UsageStore } from './usage/usage-store.ts';
import { describePostgresUrl, openPostgresUsageStore } from './usage/postgres-usage-store.ts';

const packageVersion = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** `claude-proxy doctor [options]` checks the CLI instead of serving; `claude-proxy usage [options]` prints the usage. */
const command = ['doctor', 'usage', 'accounts'].includes(process.argv[2] ?? '') ? process.argv[2] : undefined;
const argv = process.argv.slice(command != null ? 3 : 2);

function readConfig(): Config {
  try {
    const commandLine = parseCommandLine(command === 'usage' || command === 'accounts' ? [] : argv);
    if (commandLine.help) {
      console.log(USAGE);
      process.exit(0);
    }
    if (commandLine.version) {
      console.log(packageVersion);
      process.exit(0);
    }
    return loadConfig(process.env, command === 'usage' || command === 'accounts' ? [] : argv);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`claude-proxy: ${error.message}`);
      process.exit(2);
    }
    throw error;
  }
}

const config = readConfig();
if (command === 'doctor') process.exit(await runDoctor(config, process.env, (line) => console.log(line)));
if (command === 'usage') {
  const url = config.usageDatabaseUrl;
  const shared = url != null ? { location: describePostgresUrl(url), open: () => openPostgresUsageStore(url) } : undefined;
  process.exit(await runUsageCommand(argv, config.usageDatabase, (line) => console.log(line), Date.now(), shared));
}
if (command === 'accounts') {
  process.exit(
    await runAccountsCommand(argv, {
      directory: config.accountsDirectory,
      claudePath: config.claudePath,
      environment: process.env,
      healthUrl: `http://${config.host.includes(':') ? `[${config.host}]` : config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${config.port}/health`,
      print: (line) => console.log(line),
      readStdin: async () => {
        let text = '';
        for await (const chunk of process.stdin) text += String(chunk);
        return text;
      },
    }),
  );
}
const cwd = config.cwd ?? ensurePrivateWorkDirectory();
const accounts = readAccounts();
// With accounts, the first one stands for the CLI's health (its login, its fidelity); each one's login is in /health.
const healthEnvironment = accounts.list()[0] != null ? environmentOf(accounts.list()[0]!.account, process.env) : process.env;
const cliHealth = new CliHealth({ path: config.claudePath, probe: () => probeCli(config.claudePath, healthEnvironment), now: Date.now, intervalMs: 30_000 });
await cliHealth.refresh();
cliHealth.start();
const probe = cliHealth.state;
const pluginDirectory = installContextFilterPlugin();
const runner = new ClaudeCliRunner(runnerSettings(config, cwd, process.env, pluginDirectory));
// Not before a login: the pool fills with each key's first use once requests succeed.
if (cliHealth.ready) runner.prewarm(config.warmModel, accounts.list()[0]?.account.environment);
for (const { account } of accounts.list()) {
  void probeCli(config.claudePath, environmentOf(account, process.env)).then((result) => accounts.recordLogin(account.name, result.loggedIn));
}
const { usage, usageProblem } = await openUsage(config.usageDatabase, config.usageDatabaseUrl);
const pretty = config.logFormat === 'pretty' || (config.logFormat === 'auto' && process.stdout.isTTY === true);
const app = await createApp({
  config,
  runner,
  cliHealth,
  now: Date.now,
  usage,
  accounts,
  processMetrics: true,
  version: packageVersion,
  ...(pretty ? { logStream: createPrettyLogStream(process.stdout) } : {}),
});

try {
  await app.listen({ port: config.port, host: config.host });
} catch (error) {
  const code = (error as { code?: string }).code;
  console.error(
    `claude-proxy: cannot listen on ${config.host}:${config.port}${code === 'EADDRINUSE' ? ' (the port is in use; pass another: claude-proxy 4600)' : `: ${String(error)}`}`,
  );
  process.exit(1);
}

const base = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${config.port}`;
const lines = [`claude-cli-proxy ${packageVersion} listening on ${base}`];
if (probe.error != null) {
  lines.push(`  WARNING: ${probe.error}`, '  Install the CLI (npm install -g @anthropic-ai/claude-code) or set CLAUDE_PATH.');
} else if (probe.loggedIn == null) {
  lines.push(`  WARNING: could not check the Claude Code CLI's login (${probe.probeProblem ?? 'no answer'}); /health checks it again in the background.`);
} else if (probe.loggedIn !== true) {
  lines.push(
    `  WARNING: the Claude Code CLI (${config.claudePath}, ${probe.version ?? 'unknown version'}) is NOT logged in.`,
    '  Requests will fail with 401 until you run:  claude auth login   (or: npx claude auth login, in this folder)',
    '  To see a full exchange offline without logging in:  npm run demo',
  );
} else {
  lines.push(`  Claude Code CLI ${probe.version ?? ''} (${config.claudePath}), logged in via ${probe.authMethod ?? 'unknown'}`);
}
if (accounts.enabled) {
  lines.push(
    `  Accounts (${config.accountsDirectory}): ${accounts
      .list()
      .map(({ account }) => `${account.name} (${account.kind})`)
      .join(', ')}; turns go to the one with the most quota left`,
  );
}
if (config.claudePathSource === 'PATH') lines.push('  (the CLI on PATH: no tested CLI is installed with the proxy; run npm install in its folder to get one)');
if (probe.error == null && rangeStatus(probe.version) !== 'inside') lines.push(`  NOTE: ${describeRangeStatus(probe.version)}`);
lines.push(
  `  Anthropic clients: ANTHROPIC_BASE_URL=${base}`,
  `  OpenAI clients:    OPENAI_BASE_URL=${base}/v1   (Chat Completions and Responses)`,
  config.apiKeys.length > 0
    ? `  Auth: a key from PROXY_API_KEYS is required (keys named ${config.apiKeys.map((key) => key.name).join(', ')})`
    : '  Auth: none (loopback only); set PROXY_API_KEYS to require a key',
  `  Status page: ${base}/   Metrics: ${base}/metrics   Usage: ${usage != null ? `${base}/v1/usage (kept in ${usage.location})` : `off${usageProblem != null ? ` (${usageProblem})` : ' (USAGE_DATABASE=off)'}`}`,
);
console.log(lines.join('\n'));

// In the background: does this CLI, with the proxy's flags, send the client's conversation and nothing of the host?
if (probe.error == null) {
  void cliHealth
    .checkFidelity(() => checkCliFidelity({ claudePath: config.claudePath, environment: process.env, cwd, pluginDirectory }))
    .then((result) => {
      if (result.status === 'ok') app.log.info('fidelity check: ok');
      else
        app.log.warn(
          { differences: result.differences },
          `fidelity check: ${result.status}: ${result.differences.join('; ').slice(0, 1000)} (claude-proxy doctor explains)`,
        );
    });
}

/** The subscription accounts of ACCOUNTS_DIR and the keys bound to them; a wrong binding or token file stops the start. */
function readAccounts(): AccountRouter {
  try {
    return new AccountRouter(loadAccounts(config.accountsDirectory), config.keyAccounts, Date.now);
  } catch (error) {
    console.error(`claude-proxy: ${(error as Error).message}`);
    process.exit(2);
  }
}

/** Usage accounting that cannot start (no SQLite for this Node, an unwritable file) leaves the proxy serving without it. */
async function openUsage(path: string | undefined, url: string | undefined): Promise<{ usage: UsageStore | undefined; usageProblem: string | undefined }> {
  if (path == null && url == null) return { usage: undefined, usageProblem: undefined };
  const where = url != null ? describePostgresUrl(url) : path!;
  let reported = false;
  const onError = (error: unknown) => {
    if (reported) return;
    reported = true;
    console.error(`claude-proxy: usage accounting failed to write to ${where}: ${String(error)} (further failures are not reported)`);
  };
  try {
    const usage = url != null ? await openPostgresUsageStore(url, { onError }) : openUsageStore(path!, { onError });
    return { usage, usageProblem: undefined };
  } catch (error) {
    return { usage: undefined, usageProblem: (error as Error).message };
  }
}

// SIGTERM/SIGINT: a graceful close (close-gracefully.ts), bounded: past the grace period and the CLI's kill grace,
// or on a second signal, every CLI process is killed and the proxy exits at once.
const EXIT_SLACK_MS = 5_000;
let closing = false;
function exitNow(code: number): never {
  runner.killAll();
  process.exit(code);
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (closing) exitNow(1);
    closing = true;
    cliHealth.stop();
    app.log.info({ signal, graceMs: config.shutdownGraceMs }, 'shutting down: no new requests; running turns may finish');
    setTimeout(() => {
      app.log.error('shutdown took too long: exiting now');
      exitNow(1);
    }, config.shutdownGraceMs + EXIT_SLACK_MS).unref();
    app.closeGracefully(config.shutdownGraceMs).then(
      async () => {
        // After the runner's shutdown: the last turns' usage is written before the store closes.
        await usage?.close();
        process.exit(0);
      },
      (error: unknown) => {
        app.log.error({ err: error }, 'shutdown failed');
        exitNow(1);
      },
    );
  });
}
