import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_PORT, isLoopbackHost, loadConfig, parseCommandLine, resolveClaudePath } from './config.ts';

const BUNDLED_CLAUDE = join(import.meta.dirname, '..', 'node_modules', '@anthropic-ai', 'claude-code', 'bin', 'claude.exe');
const BASE_ENV = { CLAUDE_PATH: BUNDLED_CLAUDE };
const SCRATCH = realpathSync(mkdtempSync(join(tmpdir(), 'config-test-')));
afterAll(() => rmSync(SCRATCH, { recursive: true, force: true }));

/** A new empty directory under this file's scratch directory. */
function scratchDirectory(): string {
  return mkdtempSync(join(SCRATCH, 'dir-'));
}

function configError(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('uses the defaults when nothing is set', () => {
    const config = loadConfig(BASE_ENV);
    expect(config).toEqual({
      port: DEFAULT_PORT,
      host: '127.0.0.1',
      apiKeys: [],
      requireAuth: false,
      claudePath: BUNDLED_CLAUDE,
      claudePathSource: 'CLAUDE_PATH',
      cwd: undefined,
      requestTimeoutMs: 600_000,
      streamIdleTimeoutMs: 30_000,
      streamQuietTimeoutMs: 300_000,
      requestBodyTimeoutMs: 30_000,
      shutdownGraceMs: 10_000,
      keepAliveIntervalMs: 10_000,
      logLevel: 'info',
      corsOrigins: [],
      maxConcurrent: 8,
      queueTimeoutMs: 30_000,
      warmPoolSize: 2,
      warmIdleMs: 600_000,
      warmModel: 'sonnet',
      affinitySize: 4,
      affinityIdleMs: 300_000,
      idleMemoryMb: 1024,
      openClawToolMapping: false,
      openClawPromptFilter: false,
      mcpServers: new Map(),
      mcpAllowedUrls: [],
      usageDatabase: join(homedir(), '.claude-cli-proxy', 'usage.db'),
      logFormat: 'auto',
      accountsDirectory: join(homedir(), '.claude-cli-proxy', 'accounts'),
      keyAccounts: new Map(),
      usageDatabaseUrl: undefined,
      defaultModel: undefined,
      defaultEffort: undefined,
      enableThinking: false,
    });
    expect(DEFAULT_PORT).toBe(4523);
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('reads the pool and concurrency settings, 0 turning the warm pool off', () => {
    const config = loadConfig({
      ...BASE_ENV,
      MAX_CONCURRENT: '16',
      QUEUE_TIMEOUT_MS: '500',
      WARM_POOL_SIZE: '0',
      WARM_IDLE_MS: '1000',
      WARM_MODEL: 'anthropic/claude-sonnet-4-6',
    });
    expect(config).toMatchObject({ maxConcurrent: 16, queueTimeoutMs: 500, warmPoolSize: 0, warmIdleMs: 1000, warmModel: 'claude-sonnet-4-6' });
    expect(() => loadConfig({ ...BASE_ENV, MAX_CONCURRENT: '0' })).toThrow(/MAX_CONCURRENT/);
    expect(() => loadConfig({ ...BASE_ENV, WARM_MODEL: 'gpt-4o' })).toThrow(/WARM_MODEL/);
  });

  it('reads the conversation affinity settings, 0 turning it off', () => {
    expect(loadConfig({ ...BASE_ENV, AFFINITY_SIZE: '0', AFFINITY_IDLE_MS: '5000' })).toMatchObject({ affinitySize: 0, affinityIdleMs: 5000 });
    expect(() => loadConfig({ ...BASE_ENV, AFFINITY_SIZE: '-1' })).toThrow(/AFFINITY_SIZE/);
    expect(() => loadConfig({ ...BASE_ENV, AFFINITY_IDLE_MS: '0' })).toThrow(/AFFINITY_IDLE_MS/);
  });

  it('reads the idle memory budget, 1024 MB by default', () => {
    expect(loadConfig(BASE_ENV).idleMemoryMb).toBe(1024);
    expect(loadConfig({ ...BASE_ENV, IDLE_MEMORY_MB: '512' }).idleMemoryMb).toBe(512);
    expect(() => loadConfig({ ...BASE_ENV, IDLE_MEMORY_MB: '0' })).toThrow(/IDLE_MEMORY_MB/);
  });

  it('reads every setting from the environment', () => {
    const config = loadConfig({
      ...BASE_ENV,
      PORT: '8080',
      HOST: '0.0.0.0',
      PROXY_API_KEYS: ' key-a, key-b ,,',
      REQUEST_TIMEOUT_MS: '1000',
      STREAM_IDLE_TIMEOUT_MS: '2000',
      STREAM_QUIET_TIMEOUT_MS: '4000',
      REQUEST_BODY_TIMEOUT_MS: '5000',
      SHUTDOWN_GRACE_MS: '0',
      KEEPALIVE_INTERVAL_MS: '3000',
      LOG_LEVEL: 'debug',
      CORS_ORIGINS: 'http://a.test,http://b.test',
    });
    expect(config).toMatchObject({
      port: 8080,
      host: '0.0.0.0',
      apiKeys: [
        { name: 'key 1', key: 'key-a' },
        { name: 'key 2', key: 'key-b' },
      ],
      requireAuth: true,
      requestTimeoutMs: 1000,
      streamIdleTimeoutMs: 2000,
      streamQuietTimeoutMs: 4000,
      requestBodyTimeoutMs: 5000,
      shutdownGraceMs: 0,
      keepAliveIntervalMs: 3000,
      logLevel: 'debug',
      corsOrigins: ['http://a.test', 'http://b.test'],
    });
  });

  it('names keys given as name:key, and the others by their place in the list', () => {
    expect(loadConfig({ ...BASE_ENV, PROXY_API_KEYS: 'cursor:sk-one, sk-two,cline:sk:with:colons' }).apiKeys).toEqual([
      { name: 'cursor', key: 'sk-one' },
      { name: 'key 2', key: 'sk-two' },
      { name: 'cline', key: 'sk:with:colons' },
    ]);
    expect(configError(() => loadConfig({ ...BASE_ENV, PROXY_API_KEYS: 'a:one,a:two' })).message).toContain('the name "a" is given to two keys');
  });

  it('keeps usage in USAGE_DATABASE, under HOME by default, or nowhere when it is off', () => {
    expect(loadConfig({ ...BASE_ENV, HOME: '/home/someone' }).usageDatabase).toBe('/home/someone/.claude-cli-proxy/usage.db');
    expect(loadConfig({ ...BASE_ENV, USAGE_DATABASE: join(SCRATCH, 'u.db') }).usageDatabase).toBe(join(SCRATCH, 'u.db'));
    expect(loadConfig({ ...BASE_ENV, USAGE_DATABASE: 'off' }).usageDatabase).toBeUndefined();
    expect(configError(() => loadConfig({ ...BASE_ENV, LOG_FORMAT: 'xml' })).message).toContain('LOG_FORMAT must be auto, json or pretty');
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig({ ...BASE_ENV, PORT: '', LOG_LEVEL: '' })).toMatchObject({ port: DEFAULT_PORT, logLevel: 'info' });
  });

  it.each([
    ['PORT', 'abc', 'PORT: PORT must be a whole number'],
    ['PORT', '0', 'PORT: PORT must be greater than 0'],
    ['PORT', '70000', 'PORT: PORT must be below 65536'],
    ['REQUEST_TIMEOUT_MS', '1.5', 'REQUEST_TIMEOUT_MS: REQUEST_TIMEOUT_MS must be a whole number'],
    ['REQUIRE_AUTH', 'maybe', 'REQUIRE_AUTH: must be true or false'],
    ['OPENCLAW_TOOL_MAPPING', 'exec', 'OPENCLAW_TOOL_MAPPING: must be true or false'],
    ['OPENCLAW_PROMPT_FILTER', 'strip', 'OPENCLAW_PROMPT_FILTER: must be true or false'],
    ['LOG_LEVEL', 'loud', 'LOG_LEVEL: '],
  ])('rejects %s=%s with a message naming the setting', (name, value, expected) => {
    const error = configError(() => loadConfig({ ...BASE_ENV, [name]: value }));
    expect(error.message).toContain('invalid settings:');
    expect(error.message).toContain(expected);
  });

  it.each([
    ['1', true],
    ['yes', true],
    ['ON', true],
    ['false', false],
    ['0', false],
  ])('reads REQUIRE_AUTH=%s as %s', (value, expected) => {
    expect(loadConfig({ ...BASE_ENV, PROXY_API_KEYS: 'k', REQUIRE_AUTH: value }).requireAuth).toBe(expected);
  });

  it('reads the OpenClaw settings, each on its own', () => {
    expect(loadConfig({ ...BASE_ENV, OPENCLAW_TOOL_MAPPING: 'true' })).toMatchObject({ openClawToolMapping: true, openClawPromptFilter: false });
    expect(loadConfig({ ...BASE_ENV, OPENCLAW_PROMPT_FILTER: 'on' })).toMatchObject({ openClawToolMapping: false, openClawPromptFilter: true });
  });

  it('reads the MCP registry from PROXY_MCP_CONFIG (a file or the JSON itself) and refuses a broken one at start-up', () => {
    const json = JSON.stringify({
      mcpServers: {
        docs: { command: 'node', args: ['server.js'], env: { TOKEN: 'x' } },
        remote: { type: 'http', url: 'https://mcp.example/mcp', headers: { Authorization: 'Bearer y' } },
      },
    });
    const registry = loadConfig({ ...BASE_ENV, PROXY_MCP_CONFIG: json }).mcpServers;
    expect([...registry.values()]).toEqual([
      { name: 'docs', type: 'stdio', command: 'node', args: ['server.js'], env: { TOKEN: 'x' } },
      { name: 'remote', type: 'http', url: 'https://mcp.example/mcp', headers: { Authorization: 'Bearer y' } },
    ]);
    const file = join(mkdtempSync(join(tmpdir(), 'mcp-config-')), 'mcp.json');
    writeFileSync(file, json);
    expect([...loadConfig({ ...BASE_ENV, PROXY_MCP_CONFIG: file }).mcpServers.keys()]).toEqual(['docs', 'remote']);
    expect(() => loadConfig({ ...BASE_ENV, PROXY_MCP_CONFIG: '/nonexistent/mcp.json' })).toThrow(
      'PROXY_MCP_CONFIG /nonexistent/mcp.json: cannot read it (ENOENT)',
    );
    expect(() => loadConfig({ ...BASE_ENV, PROXY_MCP_CONFIG: '{"servers":{}}' })).toThrow('PROXY_MCP_CONFIG: mcpServers:');
    expect(() => loadConfig({ ...BASE_ENV, PROXY_MCP_CONFIG: '{"mcpServers":{"t":{"command":"x"}}}' })).toThrow('reserved');
    expect(() => loadConfig({ ...BASE_ENV, PROXY_MCP_ALLOWED_URLS: 'ftp://x' })).toThrow('PROXY_MCP_ALLOWED_URLS must be http(s) URLs');
    expect(loadConfig({ ...BASE_ENV, OPENCLAW_TOOL_MAPPING: '0', OPENCLAW_PROMPT_FILTER: 'no' })).toMatchObject({
      openClawToolMapping: false,
      openClawPromptFilter: false,
    });
  });

  it('requires auth by default when keys are set', () => {
    expect(loadConfig({ ...BASE_ENV, PROXY_API_KEYS: 'k' }).requireAuth).toBe(true);
  });

  it('refuses a non-loopback host without keys', () => {
    const error = configError(() => loadConfig({ ...BASE_ENV, HOST: '0.0.0.0' }));
    expect(error.message).toContain('refusing to listen on 0.0.0.0 without keys');
    expect(error.message).toContain('PROXY_API_KEYS');
  });

  it('refuses a non-loopback host with REQUIRE_AUTH=false', () => {
    const error = configError(() => loadConfig({ ...BASE_ENV, HOST: '0.0.0.0', PROXY_API_KEYS: 'k', REQUIRE_AUTH: 'false' }));
    expect(error.message).toBe('refusing to listen on 0.0.0.0 with REQUIRE_AUTH=false.');
  });

  it('refuses REQUIRE_AUTH=true without keys', () => {
    const error = configError(() => loadConfig({ ...BASE_ENV, REQUIRE_AUTH: 'true' }));
    expect(error.message).toContain('REQUIRE_AUTH is on but PROXY_API_KEYS is empty');
  });

  it('takes port, host and cwd from the command line over the environment', () => {
    const directory = scratchDirectory();
    const config = loadConfig({ ...BASE_ENV, PORT: '9000', HOST: '127.0.0.2' }, ['8080', '--host', 'localhost', '--cwd', directory]);
    expect(config).toMatchObject({ port: 8080, host: 'localhost', cwd: directory });
  });

  it('reads the working directory from CLAUDE_PROXY_CWD and resolves it', () => {
    const directory = scratchDirectory();
    mkdirSync(join(directory, 'work'));
    const config = loadConfig({ ...BASE_ENV, CLAUDE_PROXY_CWD: join(directory, 'work', '..', 'work') });
    expect(config.cwd).toBe(join(directory, 'work'));
  });

  it('rejects a cwd that is not a directory', () => {
    const directory = scratchDirectory();
    const file = join(directory, 'file.txt');
    writeFileSync(file, '');
    expect(configError(() => loadConfig(BASE_ENV, ['--cwd', file])).message).toBe(`--cwd ${file}: not a directory`);
    expect(configError(() => loadConfig(BASE_ENV, ['--cwd', join(directory, 'missing')])).message).toContain('not a directory');
  });

  it('rejects unknown arguments with the usage text', () => {
    const error = configError(() => loadConfig(BASE_ENV, ['--verbose']));
    expect(error.message).toContain('unknown argument "--verbose"');
    expect(error.message).toContain('Usage: claude-proxy');
  });
});

describe('parseCommandLine', () => {
  it('parses nothing to no settings', () => {
    expect(parseCommandLine([])).toEqual({ help: false, version: false });
  });

  it('parses a positional port, --port, --host and --cwd', () => {
    expect(parseCommandLine(['8080', '--host', '::1', '--cwd', '/srv/empty'])).toEqual({
      port: 8080,
      host: '::1',
      cwd: '/srv/empty',
      help: false,
      version: false,
    });
    expect(parseCommandLine(['--port', '9000']).port).toBe(9000);
  });

  it.each([['--help'], ['-h']])('parses %s', (flag) => {
    expect(parseCommandLine([flag]).help).toBe(true);
  });

  it.each([['--version'], ['-v']])('parses %s', (flag) => {
    expect(parseCommandLine([flag]).version).toBe(true);
  });

  it('rejects a second positional port', () => {
    expect(configError(() => parseCommandLine(['8080', '9090'])).message).toContain('unknown argument "9090"');
  });

  it.each([
    [['--host'], '--host needs a value'],
    [['--host', '--cwd', '/x'], '--host needs a value'],
    [['--cwd'], '--cwd needs a value'],
    [['--port', '0'], 'invalid port "0"'],
    [['--port', '65536'], 'invalid port "65536"'],
    [['--port', 'abc'], 'invalid port "abc"'],
  ])('rejects %j', (argv, expected) => {
    expect(configError(() => parseCommandLine(argv)).message).toBe(expected);
  });
});

describe('isLoopbackHost', () => {
  it.each(['localhost', 'LOCALHOST', '127.0.0.1', '127.1.2.3', '::1', '[::1]'])('accepts %s', (host) => {
    expect(isLoopbackHost(host)).toBe(true);
  });

  it.each(['0.0.0.0', '::', '192.168.1.10', 'example.com', '127.0.0.1.nip.io', 'localhost.example.com', '1127.0.0.1'])('refuses %s', (host) => {
    expect(isLoopbackHost(host)).toBe(false);
  });
});

describe('resolveClaudePath', () => {
  function directoryWith(name: string): string {
    const directory = scratchDirectory();
    writeFileSync(join(directory, name), '#!/bin/sh\n', { mode: 0o755 });
    return directory;
  }

  it('accepts an existing absolute path', () => {
    expect(resolveClaudePath(BUNDLED_CLAUDE, '')).toEqual({ path: BUNDLED_CLAUDE, source: 'CLAUDE_PATH' });
  });

  it('rejects a path that does not exist', () => {
    expect(configError(() => resolveClaudePath('/nonexistent/claude', '')).message).toBe('CLAUDE_PATH /nonexistent/claude: no such file');
  });

  it('looks a bare command name up on PATH', () => {
    const directory = directoryWith('my-claude');
    expect(resolveClaudePath('my-claude', `/nonexistent:${directory}`)).toEqual({ path: join(directory, 'my-claude'), source: 'CLAUDE_PATH' });
    expect(configError(() => resolveClaudePath('my-claude', '/nonexistent')).message).toBe('CLAUDE_PATH my-claude: not found on PATH');
  });

  it('prefers the bundled, tested CLI to a claude on PATH (ADR 0015)', () => {
    const directory = directoryWith('claude');
    expect(resolveClaudePath(undefined, directory)).toEqual({ path: BUNDLED_CLAUDE, source: 'bundled' });
    expect(resolveClaudePath(undefined, '/nonexistent')).toEqual({ path: BUNDLED_CLAUDE, source: 'bundled' });
  });
});
