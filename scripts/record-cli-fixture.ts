/**
 * @module
 * Records the real CLI's stdout for the unit tests' fixtures (src/cli/__fixtures__/<CLI version>/<scenario>.cli.ndjson).
 * The CLI runs exactly as the proxy runs it (buildCliInvocation: same flags, same env allowlist), against the
 * fake upstream, with a fresh HOME and an empty cwd, so nothing of the developer's own login or settings is read.
 *
 * Usage: [CLAUDE_PATH=<a CLI of the tested range>] npx tsx scripts/record-cli-fixture.ts [scenario ...]   (no argument: every scenario)
 *
 * Machine-specific values that vary between runs (the temp HOME and cwd paths) are replaced with fixed
 * placeholders; everything else is saved verbatim.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildCliInvocation } from '../src/cli/build-cli-invocation.ts';
import { installContextFilterPlugin } from '../src/cli/private-work-directory.ts';
import { plainTurnRequest, type TurnRequest } from '../src/core/turn-request.ts';
import { errorReply, FakeUpstream, textReply, type FakeReply } from '../test/support/fake-upstream.ts';

/** The bundled CLI, or another one of the tested range: CLAUDE_PATH=... npx tsx scripts/record-cli-fixture.ts */
const CLAUDE_PATH = process.env.CLAUDE_PATH ?? join(import.meta.dirname, '..', 'node_modules', '@anthropic-ai', 'claude-code', 'bin', 'claude.exe');
/** One set of fixtures per CLI version, in a folder named after it. */
const FIXTURE_DIRECTORY = join(
  import.meta.dirname,
  '..',
  'src',
  'cli',
  '__fixtures__',
  /\d+\.\d+\.\d+/.exec(execFileSync(CLAUDE_PATH, ['--version'], { encoding: 'utf8' }))![0],
);
const PLACEHOLDER_CWD = '/tmp/claude-cli-proxy-fixture/work';
const PLACEHOLDER_HOME = '/tmp/claude-cli-proxy-fixture/home';
const PLACEHOLDER_PLUGIN = '/tmp/claude-cli-proxy-fixture/context-filter-plugin';
const PLACEHOLDER_UPSTREAM_HOST = '127.0.0.1:40000';
/** A runaway CLI is killed after this long; a scenario normally takes about a second. */
const RUN_LIMIT_MS = 60_000;

interface Scenario {
  reply: FakeReply;
  prompt: string;
  thinking?: TurnRequest['thinking'];
  /** false: no API key (the "not logged in" case). */
  apiKey?: boolean;
  /** Reply to the second and later model requests of the run (the default: `reply` every time). */
  laterReply?: FakeReply;
  /** Run with the MCP server of @modelcontextprotocol/server-everything as `everything` (the CLI runs its tools). */
  mcpEverything?: boolean;
}

const SCENARIOS: Record<string, Scenario> = {
  text: {
    prompt: 'say hello',
    reply: textReply('Hello from the fake upstream.', { chunks: ['Hello', ' from the', ' fake upstream.'] }),
  },
  'thinking-and-text': {
    prompt: 'think, then answer',
    thinking: { type: 'enabled', budgetTokens: 1024 },
    reply: {
      kind: 'message',
      content: [
        { type: 'thinking', thinking: 'The user wants a short answer.', signature: 'c2lnbmF0dXJlLWZpeHR1cmU=' },
        { type: 'text', text: 'Four.', chunks: ['Fo', 'ur.'] },
      ],
      usage: { input_tokens: 20, output_tokens: 9 },
    },
  },
  'tool-use': {
    prompt: 'what is the weather in Paris?',
    reply: {
      kind: 'message',
      content: [
        { type: 'text', text: 'Let me check.' },
        { type: 'tool_use', id: 'toolu_fixture01', name: 'get_weather', input: { city: 'Paris', unit: 'celsius' } },
      ],
      usage: { input_tokens: 30, output_tokens: 17 },
    },
    // With --tools "" the CLI answers the call itself ("No such tool available") and asks the model again.
    laterReply: textReply('I cannot check the weather.'),
  },
  /** The model calls a registry MCP server's tool: the CLI runs it (its `user` line with the result) and asks again. */
  'mcp-tool-call': {
    prompt: 'echo hello through the server',
    mcpEverything: true,
    reply: {
      kind: 'message',
      content: [
        { type: 'text', text: 'Let me use the tool.' },
        { type: 'tool_use', id: 'toolu_fixturemcp1', name: 'mcp__everything__echo', input: { message: 'hello' } },
      ],
      usage: { input_tokens: 40, output_tokens: 21 },
    },
    laterReply: textReply('The server said hello.', { usage: { input_tokens: 60, output_tokens: 7 } }),
  },
  'error-429': {
    prompt: 'hello',
    reply: errorReply(429, 'rate_limit_error', 'Number of requests has exceeded your rate limit.', { 'retry-after': '7' }),
  },
  'error-500': { prompt: 'hello', reply: errorReply(500, 'api_error', 'Internal server error') },
  'error-529': { prompt: 'hello', reply: errorReply(529, 'overloaded_error', 'Overloaded') },
  'error-401': { prompt: 'hello', reply: errorReply(401, 'authentication_error', 'invalid x-api-key') },
  'error-400': {
    prompt: 'hello',
    reply: errorReply(400, 'invalid_request_error', 'max_tokens: 999999 > 64000, which is the maximum allowed number of output tokens'),
  },
  'error-404': { prompt: 'hello', reply: errorReply(404, 'not_found_error', 'model: claude-sonnet-4-6') },
  'not-logged-in': { prompt: 'hello', apiKey: false, reply: textReply('unused') },
  /**
   * Socket dropped after message_start: the CLI falls back to a non-streaming request (even with
   * CLAUDE_CODE_MAX_RETRIES=0) and prints its answer as one `assistant` line with a new message id.
   * The gap lets the CLI relay the first events before the drop.
   */
  'dropped-before-content': {
    prompt: 'hello',
    reply: textReply('Recovered answer.', { eventGapMs: 100, interrupt: { afterEvents: 1, mode: 'drop' } }),
  },
  /** Socket dropped after a text delta: the non-streamed answer arrives after content was relayed. */
  'dropped-after-content': {
    prompt: 'hello',
    reply: textReply('Partial then recovered.', { chunks: ['Partial', ' then recovered.'], eventGapMs: 100, interrupt: { afterEvents: 3, mode: 'drop' } }),
  },
};

function everythingConfig(directory: string): string {
  const server = createRequire(import.meta.url).resolve('@modelcontextprotocol/server-everything/dist/index.js');
  const path = join(directory, 'mcp.json');
  writeFileSync(path, JSON.stringify({ mcpServers: { everything: { type: 'stdio', command: process.execPath, args: [server, 'stdio'], env: {} } } }));
  return path;
}

async function record(name: string, scenario: Scenario): Promise<void> {
  const upstream = new FakeUpstream();
  const upstreamUrl = await upstream.start();
  let calls = 0;
  upstream.setDefault(scenario.reply);
  const laterReply = scenario.laterReply;
  // The empty marker matches every request, including the follow-up whose last user message is a tool_result.
  if (laterReply != null) upstream.when('', () => (++calls === 1 ? scenario.reply : laterReply));
  const scratch = realpathSync(mkdtempSync(join(tmpdir(), 'claude-cli-fixture-')));
  const home = join(scratch, 'home');
  const cwd = join(scratch, 'work');
  mkdirSync(home);
  mkdirSync(cwd);
  try {
    const environment: Record<string, string | undefined> = {};
    for (const [key, value] of Object.entries(process.env)) {
      if (!key.startsWith('ANTHROPIC_') && !key.startsWith('CLAUDE_')) environment[key] = value;
    }
    environment.HOME = home;
    environment.ANTHROPIC_BASE_URL = upstreamUrl;
    if (scenario.apiKey !== false) environment.ANTHROPIC_API_KEY = 'sk-test';
    const request = plainTurnRequest('claude-sonnet-4-6', {
      system: ['You are a fixture.'],
      messages: [{ role: 'user', content: scenario.prompt }],
      maxTokens: 256,
      thinking: scenario.thinking ?? { type: 'disabled' },
      mcpServers: scenario.mcpEverything === true ? [{ name: 'everything' }] : [],
    });
    // Single-message fixtures: no history to replay, so every step can be written at once.
    const pluginDirectory = installContextFilterPlugin(scratch);
    const mcp = scenario.mcpEverything === true ? { configPath: everythingConfig(scratch), serverNames: ['everything'] } : undefined;
    const invocation = buildCliInvocation(request, { claudePath: CLAUDE_PATH, cwd, environment, newId: () => 'fixture', pluginDirectory, mcp });
    const { stdout, code } = await run(
      invocation.command,
      invocation.args,
      invocation.env,
      cwd,
      invocation.stdinSteps.map((step) => step.line),
    );
    const text = redact(stdout, { cwd, home, upstreamHost: new URL(upstreamUrl).host, pluginDirectory });
    mkdirSync(FIXTURE_DIRECTORY, { recursive: true });
    const path = join(FIXTURE_DIRECTORY, `${name}.cli.ndjson`);
    writeFileSync(path, text);
    console.log(
      `${name}: exit ${String(code)}, ${text.split('\n').filter((line) => line !== '').length} lines, ${upstream.modelRequests().length} model requests -> ${path}`,
    );
  } finally {
    await upstream.stop();
    rmSync(scratch, { recursive: true, force: true });
  }
}

/**
 * Fixed placeholders for the fake upstream's random port and the temp paths (also inside the CLI's project folder name, which is derived from cwd), and
 * the initialize control_response cut down to what identifies it: its list of built-in commands, agents and models
 * is 10 KB of CLI catalogue the proxy never reads, and it carries the recording's pid.
 */
function redact(stdout: string, paths: { cwd: string; home: string; upstreamHost: string; pluginDirectory: string }): string {
  const replaced = stdout
    .split(paths.upstreamHost)
    .join(PLACEHOLDER_UPSTREAM_HOST)
    .split(paths.pluginDirectory)
    .join(PLACEHOLDER_PLUGIN)
    .split(paths.cwd)
    .join(PLACEHOLDER_CWD)
    .split(paths.home)
    .join(PLACEHOLDER_HOME)
    .split(projectFolderName(paths.cwd))
    .join(projectFolderName(PLACEHOLDER_CWD));
  return replaced
    .split('\n')
    .map((line) => {
      if (!line.startsWith('{"type":"control_response"')) return line;
      const parsed = JSON.parse(line) as { response?: { response?: Record<string, unknown> } };
      const payload = parsed.response?.response;
      if (payload == null) return line;
      parsed.response!.response = { output_style: payload.output_style, account: payload.account, pid: 0 };
      return JSON.stringify(parsed);
    })
    .join('\n');
}

function run(
  command: string,
  args: string[],
  env: Record<string, string>,
  cwd: string,
  stdinLines: string[],
): Promise<{ stdout: string; code: number | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.stdin.on('error', () => undefined);
    const timer = setTimeout(() => child.kill('SIGKILL'), RUN_LIMIT_MS);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      if (stderr.trim() !== '') console.error(`stderr: ${stderr.trim()}`);
      resolve({ stdout, code });
    });
    for (const line of stdinLines) child.stdin.write(`${line}\n`);
    child.stdin.end();
  });
}

const wanted = process.argv.slice(2);
for (const name of wanted) if (!(name in SCENARIOS)) throw new Error(`unknown scenario ${name}; known: ${Object.keys(SCENARIOS).join(', ')}`);
for (const [name, scenario] of Object.entries(SCENARIOS)) {
  if (wanted.length === 0 || wanted.includes(name)) await record(name, scenario);
}

/** The CLI names per-project folders after the cwd with every non-alphanumeric character as '-'. */
function projectFolderName(cwd: string): string {
  return cwd.replace(/[^a-zA-Z0-9]/g, '-');
}
