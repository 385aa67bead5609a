/**
 * @module
 * Settings from the environment and the command line, validated once at start-up.
 * No other module reads process.env for settings (the CLI driver forwards env vars, it does not interpret them).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { delimiter, dirname, isAbsolute, join, resolve } from 'node:path';
import { z } from 'zod';
import { parseMcpRegistry, type McpServerConfig } from './core/mcp-servers.ts';
import { resolveModel } from './core/models.ts';
import type { Effort } from './core/turn-request.ts';

export const DEFAULT_PORT = 4523;
/** Anthropic's own request limit for Messages and count_tokens. */
export const BODY_LIMIT_BYTES = 32 * 1024 * 1024;

export interface Config {
  port: number;
  host: string;
  /** Accepted client keys (Bearer or x-api-key), each with the name usage, metrics and logs show for it. */
  apiKeys: readonly ApiKey[];
  requireAuth: boolean;
  claudePath: string;
  /** How claudePath was found: CLAUDE_PATH, the bundled tested CLI, `claude` on PATH, or the bare name (not found). */
  claudePathSource: ClaudePathSource;
  /** Working directory of the CLI processes; undefined: a private empty directory made at start-up. */
  cwd: string | undefined;
  requestTimeoutMs: number;
  /** Longest silence while the model writes text: a stalled stream (docs/limits.md). */
  streamIdleTimeoutMs: number;
  /** Longest silence while the model reads, thinks or writes a tool input, when a healthy upstream can be silent. */
  streamQuietTimeoutMs: number;
  /** Time for a client to send its request headers and body; a trickling connection is then closed with 408. */
  requestBodyTimeoutMs: number;
  /** On SIGTERM, how long running turns may go on before they are ended with an error. */
  shutdownGraceMs: number;
  keepAliveIntervalMs: number;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  corsOrigins: readonly string[];
  /** Turns running at once; more wait in a queue. */
  maxConcurrent: number;
  queueTimeoutMs: number;
  /** Idle CLI processes kept ready (0: none, every request starts a CLI). */
  warmPoolSize: number;
  warmIdleMs: number;
  /** The model whose warm process is started at start-up. */
  warmModel: string;
  /** Processes kept after a clean turn for the conversation's next turn (0: none). */
  affinitySize: number;
  affinityIdleMs: number;
  /** Idle CLI processes (warm, kept, held) together stay under this many MB; the least useful are ended first. */
  idleMemoryMb: number;
  /** OpenClaw's tool names shown to the model as Claude Code's (exec → Bash, …) and mapped back in answers; off by default. */
  openClawToolMapping: boolean;
  /** Tool and skill sections (`<tools>`, `<available_skills>`, …) removed from system prompts; off by default. */
  openClawPromptFilter: boolean;
  /** The model for a request that names none or `default` (DEFAULT_MODEL); undefined: the CLI's `default` alias. */
  defaultModel: string | undefined;
  /** Effort for a request that sets none (DEFAULT_EFFORT). */
  defaultEffort: Effort | undefined;
  /** Adaptive thinking for a request that says nothing about thinking (ENABLE_THINKING). */
  enableThinking: boolean;
  /** MCP servers a request may name (PROXY_MCP_CONFIG), run by the CLI. */
  mcpServers: ReadonlyMap<string, McpServerConfig>;
  /** URLs under which a client may define its own MCP server (PROXY_MCP_ALLOWED_URLS); none by default. */
  mcpAllowedUrls: readonly string[];
  /** The SQLite file usage is counted in per key, model and day (USAGE_DATABASE); undefined: usage accounting off. */
  usageDatabase: string | undefined;
  /** A PostgreSQL database a fleet shares for usage accounting instead (USAGE_DATABASE_URL); it wins over the file. */
  usageDatabaseUrl: string | undefined;
  /** One line per request: `json`, `pretty` (short, for a terminal) or `auto` (pretty when stdout is a terminal). */
  logFormat: 'auto' | 'json' | 'pretty';
  /** Where the subscription accounts live (ACCOUNTS_DIR), one folder each (`claude-proxy accounts`). */
  accountsDirectory: string;
  /** Keys bound to one account (KEY_ACCOUNTS=keyname:account,...), by key name. */
  keyAccounts: ReadonlyMap<string, string>;
}

export interface ApiKey {
  /** From `name:key` in PROXY_API_KEYS, else `key N` (its place in the list). Never the key itself. */
  name: string;
  key: string;
}

export type ClaudePathSource = 'CLAUDE_PATH' | 'bundled' | 'PATH' | 'not found';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

const booleanText = z
  .string()
  .trim()
  .toLowerCase()
  .refine((value) => ['1', '0', 'true', 'false', 'yes', 'no', 'on', 'off'].includes(value), 'must be true or false')
  .transform((value) => ['1', 'true', 'yes', 'on'].includes(value));

const positiveInteger = (name: string) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, `${name} must be a whole number`)
    .transform(Number)
    .refine((value) => value > 0, `${name} must be greater than 0`);

const listText = z.string().transform((value) =>
  value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0),
);

const envSchema = z.object({
  PORT: positiveInteger('PORT')
    .refine((value) => value < 65536, 'PORT must be below 65536')
    .optional(),
  HOST: z.string().trim().min(1).optional(),
  PROXY_API_KEYS: listText.optional(),
  USAGE_DATABASE: z.string().trim().min(1).optional(),
  USAGE_DATABASE_URL: z
    .string()
    .trim()
    .refine((url) => /^postgres(ql)?:\/\//.test(url) && URL.canParse(url), 'USAGE_DATABASE_URL must be a postgres:// (or postgresql://) URL')
    .optional(),
  LOG_FORMAT: z.enum(['auto', 'json', 'pretty'], 'LOG_FORMAT must be auto, json or pretty').optional(),
  ACCOUNTS_DIR: z.string().trim().min(1).optional(),
  KEY_ACCOUNTS: listText.optional(),
  REQUIRE_AUTH: booleanText.optional(),
  CLAUDE_PATH: z.string().trim().min(1).optional(),
  REQUEST_TIMEOUT_MS: positiveInteger('REQUEST_TIMEOUT_MS').optional(),
  STREAM_IDLE_TIMEOUT_MS: positiveInteger('STREAM_IDLE_TIMEOUT_MS').optional(),
  STREAM_QUIET_TIMEOUT_MS: positiveInteger('STREAM_QUIET_TIMEOUT_MS').optional(),
  REQUEST_BODY_TIMEOUT_MS: positiveInteger('REQUEST_BODY_TIMEOUT_MS').optional(),
  SHUTDOWN_GRACE_MS: z.string().trim().regex(/^\d+$/, 'SHUTDOWN_GRACE_MS must be a whole number (0 ends running turns at once)').transform(Number).optional(),
  KEEPALIVE_INTERVAL_MS: positiveInteger('KEEPALIVE_INTERVAL_MS').optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional(),
  CORS_ORIGINS: listText.optional(),
  CLAUDE_PROXY_CWD: z.string().trim().min(1).optional(),
  MAX_CONCURRENT: positiveInteger('MAX_CONCURRENT').optional(),
  QUEUE_TIMEOUT_MS: positiveInteger('QUEUE_TIMEOUT_MS').optional(),
  WARM_POOL_SIZE: z.string().trim().regex(/^\d+$/, 'WARM_POOL_SIZE must be a whole number (0 turns the pool off)').transform(Number).optional(),
  WARM_IDLE_MS: positiveInteger('WARM_IDLE_MS').optional(),
  WARM_MODEL: z.string().trim().min(1).optional(),
  AFFINITY_SIZE: z.string().trim().regex(/^\d+$/, 'AFFINITY_SIZE must be a whole number (0 turns conversation affinity off)').transform(Number).optional(),
  AFFINITY_IDLE_MS: positiveInteger('AFFINITY_IDLE_MS').optional(),
  IDLE_MEMORY_MB: positiveInteger('IDLE_MEMORY_MB').optional(),
  OPENCLAW_TOOL_MAPPING: booleanText.optional(),
  OPENCLAW_PROMPT_FILTER: booleanText.optional(),
  DEFAULT_MODEL: z.string().trim().min(1).optional(),
  DEFAULT_EFFORT: z.enum(['low', 'medium', 'high', 'xhigh', 'max'], 'DEFAULT_EFFORT must be low, medium, high, xhigh or max').optional(),
  ENABLE_THINKING: booleanText.optional(),
  PROXY_MCP_CONFIG: z.string().trim().min(1).optional(),
  PROXY_MCP_ALLOWED_URLS: listText
    .refine((urls) => urls.every((url) => URL.canParse(url) && /^https?:/.test(url)), 'PROXY_MCP_ALLOWED_URLS must be http(s) URLs, comma-separated')
    .optional(),
});

export interface CommandLine {
  port?: number;
  host?: string;
  cwd?: string;
  help: boolean;
  version: boolean;
}

export const USAGE = `Usage: claude-proxy [port] [--host HOST] [--cwd DIR]
       claude-proxy doctor     checks the CLI: which one, its version, its login, and what the model would see
       claude-proxy usage      the usage per key and model (--days N, --from/--to YYYY-MM-DD, --key, --model, --json)
       claude-proxy accounts   subscription accounts: add NAME [--token-stdin], list, remove NAME

Serves the Anthropic Messages API and the OpenAI Chat Completions and Responses APIs from the logged-in Claude Code CLI.
Options: [port] or --port N, --host HOST, --cwd DIR (the CLI's working directory), --help, --version.
Settings come from environment variables (see README): PORT, HOST, PROXY_API_KEYS, REQUIRE_AUTH, CLAUDE_PATH,
REQUEST_TIMEOUT_MS, STREAM_IDLE_TIMEOUT_MS, STREAM_QUIET_TIMEOUT_MS, REQUEST_BODY_TIMEOUT_MS, SHUTDOWN_GRACE_MS, KEEPALIVE_INTERVAL_MS, LOG_LEVEL, CORS_ORIGINS, CLAUDE_PROXY_CWD,
MAX_CONCURRENT, QUEUE_TIMEOUT_MS, WARM_POOL_SIZE, WARM_IDLE_MS, WARM_MODEL, AFFINITY_SIZE, AFFINITY_IDLE_MS, IDLE_MEMORY_MB, OPENCLAW_TOOL_MAPPING, OPENCLAW_PROMPT_FILTER,
PROXY_MCP_CONFIG, PROXY_MCP_ALLOWED_URLS, DEFAULT_MODEL, DEFAULT_EFFORT, ENABLE_THINKING, USAGE_DATABASE, USAGE_DATABASE_URL, LOG_FORMAT, ACCOUNTS_DIR, KEY_ACCOUNTS.`;

export function parseCommandLine(argv: readonly string[]): CommandLine {
  const result: CommandLine = { help: false, version: false };
  for (let index = 0; index < argv.length; index += 1) {
    const argument = argv[index]!;
    const value = (): string => {
      const next = argv[index + 1];
      if (next == null || next.startsWith('--')) throw new ConfigError(`${argument} needs a value`);
      index += 1;
      return next;
    };
    if (argument === '--help' || argument === '-h') result.help = true;
    else if (argument === '--version' || argument === '-v') result.version = true;
    else if (argument === '--host') result.host = value();
    else if (argument === '--cwd') result.cwd = value();
    else if (argument === '--port') result.port = parsePort(value());
    else if (/^\d+$/.test(argument) && result.port == null) result.port = parsePort(argument);
    else throw new ConfigError(`unknown argument "${argument}"\n\n${USAGE}`);
  }
  return result;
}

function parsePort(text: string): number {
  const port = Number(text);
  if (!Number.isInteger(port) || port <= 0 || port >= 65536) throw new ConfigError(`invalid port "${text}"`);
  return port;
}

export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  return bare === 'localhost' || bare === '::1' || /^127(\.\d{1,3}){3}$/.test(bare);
}

/**
 * @example
 * const config = loadConfig(process.env, process.argv.slice(2)); // throws ConfigError with a readable message
 */
export function loadConfig(env: Record<string, string | undefined>, argv: readonly string[] = []): Config {
  const commandLine = parseCommandLine(argv);
  const parsed = envSchema.safeParse(pickDefined(env, Object.keys(envSchema.shape)));
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`).join('\n');
    throw new ConfigError(`invalid settings:\n${problems}`);
  }
  const settings = parsed.data;
  const host = commandLine.host ?? settings.HOST ?? '127.0.0.1';
  const apiKeys = namedKeys(settings.PROXY_API_KEYS ?? []);
  const requireAuth = settings.REQUIRE_AUTH ?? apiKeys.length > 0;
  if (requireAuth && apiKeys.length === 0) {
    throw new ConfigError('REQUIRE_AUTH is on but PROXY_API_KEYS is empty: set at least one key (comma-separated).');
  }
  if (!isLoopbackHost(host) && apiKeys.length === 0) {
    throw new ConfigError(
      `refusing to listen on ${host} without keys: anyone who can reach it could use your Claude subscription.\n` +
        'Set PROXY_API_KEYS (comma-separated), or keep HOST=127.0.0.1.',
    );
  }
  if (!isLoopbackHost(host) && !requireAuth) {
    throw new ConfigError(`refusing to listen on ${host} with REQUIRE_AUTH=false.`);
  }
  const port = commandLine.port ?? settings.PORT ?? DEFAULT_PORT;
  if (pointsAtSelf(env.ANTHROPIC_BASE_URL, host, port)) {
    throw new ConfigError(
      `ANTHROPIC_BASE_URL (${env.ANTHROPIC_BASE_URL}) points at this proxy: its CLI would call the proxy again, without end.\n` +
        'Unset ANTHROPIC_BASE_URL in the shell that starts the proxy (set it only for your clients).',
    );
  }
  const cwd = commandLine.cwd ?? settings.CLAUDE_PROXY_CWD;
  if (cwd != null && !(existsSync(cwd) && statSync(cwd).isDirectory())) {
    throw new ConfigError(`--cwd ${cwd}: not a directory`);
  }
  return Object.freeze({
    port,
    host,
    apiKeys: Object.freeze(apiKeys),
    requireAuth,
    ...((): { claudePath: string; claudePathSource: ClaudePathSource } => {
      const located = resolveClaudePath(settings.CLAUDE_PATH, env.PATH);
      return { claudePath: located.path, claudePathSource: located.source };
    })(),
    cwd: cwd != null ? resolve(cwd) : undefined,
    requestTimeoutMs: settings.REQUEST_TIMEOUT_MS ?? 600_000,
    streamIdleTimeoutMs: settings.STREAM_IDLE_TIMEOUT_MS ?? 30_000,
    streamQuietTimeoutMs: settings.STREAM_QUIET_TIMEOUT_MS ?? 300_000,
    requestBodyTimeoutMs: settings.REQUEST_BODY_TIMEOUT_MS ?? 30_000,
    shutdownGraceMs: settings.SHUTDOWN_GRACE_MS ?? 10_000,
    keepAliveIntervalMs: settings.KEEPALIVE_INTERVAL_MS ?? 10_000,
    logLevel: settings.LOG_LEVEL ?? 'info',
    corsOrigins: Object.freeze(settings.CORS_ORIGINS ?? []),
    maxConcurrent: settings.MAX_CONCURRENT ?? 8,
    queueTimeoutMs: settings.QUEUE_TIMEOUT_MS ?? 30_000,
    warmPoolSize: settings.WARM_POOL_SIZE ?? 2,
    warmIdleMs: settings.WARM_IDLE_MS ?? 600_000,
    warmModel: warmModel(settings.WARM_MODEL),
    affinitySize: settings.AFFINITY_SIZE ?? 4,
    affinityIdleMs: settings.AFFINITY_IDLE_MS ?? 300_000,
    idleMemoryMb: settings.IDLE_MEMORY_MB ?? 1024,
    openClawToolMapping: settings.OPENCLAW_TOOL_MAPPING ?? false,
    openClawPromptFilter: settings.OPENCLAW_PROMPT_FILTER ?? false,
    defaultModel: settings.DEFAULT_MODEL != null ? checkedModel('DEFAULT_MODEL', settings.DEFAULT_MODEL) : undefined,
    defaultEffort: settings.DEFAULT_EFFORT,
    enableThinking: settings.ENABLE_THINKING ?? false,
    mcpServers: mcpRegistry(settings.PROXY_MCP_CONFIG),
    mcpAllowedUrls: Object.freeze(settings.PROXY_MCP_ALLOWED_URLS ?? []),
    usageDatabase: usageDatabase(settings.USAGE_DATABASE, env.HOME),
    usageDatabaseUrl: settings.USAGE_DATABASE_URL,
    logFormat: settings.LOG_FORMAT ?? 'auto',
    keyAccounts: keyAccounts(settings.KEY_ACCOUNTS ?? [], apiKeys),
    accountsDirectory: settings.ACCOUNTS_DIR != null ? resolve(settings.ACCOUNTS_DIR) : join(homeOf(env.HOME), '.claude-cli-proxy', 'accounts'),
  });
}

/**
 * `name:key` names a key (what usage, metrics and logs show); a bare key is `key N`. A key that itself contains `:`
 * needs a name in front, since the text before the first `:` would be taken for one.
 */
function namedKeys(entries: readonly string[]): readonly ApiKey[] {
  const keys = entries.map((entry, index): ApiKey => {
    const named = /^([A-Za-z0-9][A-Za-z0-9_.-]{0,63}):(.+)$/.exec(entry);
    return named != null ? { name: named[1]!, key: named[2]! } : { name: `key ${index + 1}`, key: entry };
  });
  const names = new Set<string>();
  for (const { name } of keys) {
    if (names.has(name)) throw new ConfigError(`PROXY_API_KEYS: the name "${name}" is given to two keys`);
    names.add(name);
  }
  return Object.freeze(keys.map((key) => Object.freeze(key)));
}

/** KEY_ACCOUNTS=cursor:work: the key named `cursor` is always served by the account `work` (checked at start-up). */
function keyAccounts(entries: readonly string[], keys: readonly ApiKey[]): ReadonlyMap<string, string> {
  const bindings = new Map<string, string>();
  for (const entry of entries) {
    const [key, account, ...rest] = entry.split(':');
    if (key == null || account == null || key === '' || account === '' || rest.length > 0) {
      throw new ConfigError(`KEY_ACCOUNTS: "${entry}" is not keyname:account`);
    }
    if (!keys.some((apiKey) => apiKey.name === key)) throw new ConfigError(`KEY_ACCOUNTS: no key is named "${key}" in PROXY_API_KEYS`);
    bindings.set(key, account);
  }
  return bindings;
}

/** USAGE_DATABASE: a file path, or `off`; by default ~/.claude-cli-proxy/usage.db (kept across restarts). */
function usageDatabase(setting: string | undefined, home: string | undefined): string | undefined {
  if (setting != null) return ['off', 'false', '0', 'no'].includes(setting.toLowerCase()) ? undefined : resolve(setting);
  return join(homeOf(home), '.claude-cli-proxy', 'usage.db');
}

function homeOf(home: string | undefined): string {
  return home != null && home !== '' ? home : homedir();
}

/** PROXY_MCP_CONFIG: the path of a JSON file, or the JSON itself (it starts with "{"). */
function mcpRegistry(setting: string | undefined): ReadonlyMap<string, McpServerConfig> {
  if (setting == null) return new Map();
  let text = setting;
  if (!setting.startsWith('{')) {
    try {
      text = readFileSync(setting, 'utf8');
    } catch (error) {
      throw new ConfigError(`PROXY_MCP_CONFIG ${setting}: cannot read it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
    }
  }
  try {
    return parseMcpRegistry(text);
  } catch (error) {
    throw new ConfigError(`PROXY_MCP_CONFIG: ${(error as Error).message}`);
  }
}

function warmModel(configured: string | undefined): string {
  return checkedModel('WARM_MODEL', configured ?? 'sonnet');
}

function checkedModel(setting: string, name: string): string {
  try {
    return resolveModel(name);
  } catch (error) {
    throw new ConfigError(`${setting}: ${(error as Error).message}`);
  }
}

/** Whether a base URL reaches this proxy's own listening address (any loopback name counts as the same host). */
function pointsAtSelf(baseUrl: string | undefined, host: string, port: number): boolean {
  if (baseUrl == null || baseUrl === '') return false;
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    return false;
  }
  const urlPort = url.port !== '' ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
  if (urlPort !== port) return false;
  const urlHost = url.hostname.toLowerCase();
  return urlHost === host.toLowerCase() || (isLoopbackHost(urlHost) && (isLoopbackHost(host) || host === '0.0.0.0' || host === '::'));
}

function pickDefined(env: Record<string, string | undefined>, keys: string[]): Record<string, string> {
  const picked: Record<string, string> = {};
  for (const key of keys) {
    const value = env[key];
    if (value != null && value !== '') picked[key] = value;
  }
  return picked;
}

/**
 * CLAUDE_PATH, else the CLI installed with this package (the tested, pinned version), else `claude` on PATH
 * (docs/decisions/0015-bundled-cli-by-default.md). The login is the user's either way: every version reads it from
 * the same HOME.
 */
export function resolveClaudePath(configured: string | undefined, pathVariable: string | undefined): { path: string; source: ClaudePathSource } {
  if (configured != null) {
    if (isAbsolute(configured) || configured.includes('/')) {
      if (!existsSync(configured)) throw new ConfigError(`CLAUDE_PATH ${configured}: no such file`);
      return { path: resolve(configured), source: 'CLAUDE_PATH' };
    }
    const found = findOnPath(configured, pathVariable);
    if (found == null) throw new ConfigError(`CLAUDE_PATH ${configured}: not found on PATH`);
    return { path: found, source: 'CLAUDE_PATH' };
  }
  const bundled = bundledClaudePath();
  if (bundled != null) return { path: bundled, source: 'bundled' };
  const onPath = findOnPath('claude', pathVariable);
  return onPath != null ? { path: onPath, source: 'PATH' } : { path: 'claude', source: 'not found' };
}

function findOnPath(command: string, pathVariable: string | undefined): string | undefined {
  for (const directory of (pathVariable ?? '').split(delimiter)) {
    if (directory === '') continue;
    for (const name of process.platform === 'win32' ? [`${command}.exe`, `${command}.cmd`, command] : [command]) {
      const candidate = join(directory, name);
      if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
    }
  }
  return undefined;
}

function bundledClaudePath(): string | undefined {
  try {
    const packageJson = createRequire(import.meta.url).resolve('@anthropic-ai/claude-code/package.json');
    // The package names its native binary claude.exe on every platform.
    const candidate = join(dirname(packageJson), 'bin', 'claude.exe');
    return existsSync(candidate) ? candidate : undefined;
  } catch {
    return undefined;
  }
}
