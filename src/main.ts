#!/usr/bin/env node
/**
 * @module
 * Entry point: settings, CLI check, server, signals. The only module with top-level side effects.
 */
import { readFileSync } from 'node:fs';
import { ClaudeCliRunner, runnerSettings } from './cli/claude-cli-runner.ts';
import { createCachedCliStatus } from './cli/cached-cli-status.ts';
import { ensurePrivateWorkDirectory } from './cli/private-work-directory.ts';
import { ConfigError, loadConfig, parseCommandLine, USAGE, type Config } from './config.ts';
import { createApp } from './server/create-app.ts';

const packageVersion = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

function readConfig(): Config {
  try {
    const commandLine = parseCommandLine(process.argv.slice(2));
    if (commandLine.help) {
      console.log(USAGE);
      process.exit(0);
    }
    if (commandLine.version) {
      console.log(packageVersion);
      process.exit(0);
    }
    return loadConfig(process.env, process.argv.slice(2));
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`claude-proxy: ${error.message}`);
      process.exit(2);
    }
    throw error;
  }
}

const config = readConfig();
const cwd = config.cwd ?? ensurePrivateWorkDirectory();
const cliStatus = createCachedCliStatus(config.claudePath, process.env);
const probe = await cliStatus();
const runner = new ClaudeCliRunner(runnerSettings(config, cwd, process.env));
// Not before a login: the pool fills with each key's first use once requests succeed.
if (probe.error == null && probe.loggedIn === true) runner.prewarm(config.warmModel);
const app = await createApp({ config, runner, cliStatus, now: Date.now });

try {
  await app.listen({ port: config.port, host: config.host });
} catch (error) {
  const code = (error as { code?: string }).code;
  console.error(`claude-proxy: cannot listen on ${config.host}:${config.port}${code === 'EADDRINUSE' ? ' (the port is in use; pass another: claude-proxy 4600)' : `: ${String(error)}`}`);
  process.exit(1);
}

const base = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${config.port}`;
const lines = [`claude-cli-proxy ${packageVersion} listening on ${base}`];
if (probe.error != null) {
  lines.push(`  WARNING: ${probe.error}`, '  Install the CLI (npm install -g @anthropic-ai/claude-code) or set CLAUDE_PATH.');
} else if (probe.loggedIn !== true) {
  lines.push(
    `  WARNING: the Claude Code CLI (${config.claudePath}, ${probe.version ?? 'unknown version'}) is NOT logged in.`,
    '  Requests will fail with 401 until you run:  claude auth login   (or: npx claude auth login, in this folder)',
    '  To see a full exchange offline without logging in:  npm run demo',
  );
} else {
  lines.push(`  Claude Code CLI ${probe.version ?? ''} (${config.claudePath}), logged in via ${probe.authMethod ?? 'unknown'}`);
}
lines.push(
  `  Anthropic clients: ANTHROPIC_BASE_URL=${base}`,
  `  OpenAI clients:    OPENAI_BASE_URL=${base}/v1   (Chat Completions and Responses)`,
  config.apiKeys.length > 0 ? '  Auth: a key from PROXY_API_KEYS is required' : '  Auth: none (loopback only); set PROXY_API_KEYS to require a key',
);
console.log(lines.join('\n'));

let closing = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (closing) process.exit(1);
    closing = true;
    void app.close().then(() => process.exit(0));
  });
}
