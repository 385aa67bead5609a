/**
 * The Codex CLI (`@openai/codex`, pinned devDependency) unchanged: `codex exec` → recording forwarder → proxy's
 * POST /v1/responses → real `claude` CLI → fake upstream. Codex runs with a fresh CODEX_HOME whose config points its
 * model provider at the proxy and switches off everything that would leave loopback (plugins, analytics, update
 * checks), in an empty working directory, with a bare environment and a hard timeout. The forwarder records what
 * Codex sent and what the proxy answered; the fake upstream records what the model saw.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { textReply } from '../support/fake-upstream.ts';
import { RecordingForwarder } from '../support/recording-forwarder.ts';
import { startTestProxy, type TestProxy } from '../support/start-test-proxy.ts';

const CODEX = join(import.meta.dirname, '..', '..', 'node_modules', '.bin', 'codex');
const PROXY_KEY = 'sk-proxy-codex-e2e';
/** Codex is killed (its whole process group) after this long: a hung run fails the test instead of hanging it. */
const CODEX_TIMEOUT_MS = 45_000;

let proxy: TestProxy;
let forwarder: RecordingForwarder;
let forwarderUrl: string;
const scratch: string[] = [];

beforeAll(async () => {
  proxy = await startTestProxy({ settings: { PROXY_API_KEYS: PROXY_KEY } });
  forwarder = new RecordingForwarder(proxy.url);
  forwarderUrl = await forwarder.start();
});
afterAll(async () => {
  await forwarder?.stop();
  await proxy?.close();
  for (const directory of scratch) rmSync(directory, { recursive: true, force: true });
});

interface CodexRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  stdout: string;
  stderr: string;
}

/**
 * Runs `codex exec` once with a fresh HOME and CODEX_HOME whose config.toml makes the proxy its model provider.
 * The provider retries nothing, so a failure shows after one request.
 */
async function runCodex(prompt: string): Promise<CodexRun> {
  // A devDependency: if the binary is missing the install is broken, and the test must fail, not skip.
  expect(existsSync(CODEX), `${CODEX} is missing: run npm ci`).toBe(true);
  const home = mkdtempSync(join(tmpdir(), 'claude-proxy-codex-home-'));
  const workDirectory = mkdtempSync(join(tmpdir(), 'claude-proxy-codex-work-'));
  scratch.push(home, workDirectory);
  const codexHome = join(home, '.codex');
  mkdirSync(codexHome);
  writeFileSync(
    join(codexHome, 'config.toml'),
    [
      'model = "claude-sonnet-4-6"',
      'model_provider = "claude-proxy"',
      'approval_policy = "never"',
      'sandbox_mode = "read-only"',
      'check_for_update_on_startup = false',
      '',
      '[model_providers.claude-proxy]',
      'name = "claude-cli-proxy"',
      `base_url = "${forwarderUrl}/v1"`,
      'wire_api = "responses"',
      'env_key = "CLAUDE_PROXY_KEY"',
      'request_max_retries = 0',
      'stream_max_retries = 0',
      'stream_idle_timeout_ms = 30000',
      '',
      '# Without these Codex contacts github.com, chatgpt.com and ab.chatgpt.com.',
      '[analytics]',
      'enabled = false',
      '',
      '[features]',
      'plugins = false',
      '',
    ].join('\n'),
  );
  const child = spawn(CODEX, ['exec', '--skip-git-repo-check', '--sandbox', 'read-only', '--ephemeral', '--color', 'never', prompt], {
    cwd: workDirectory,
    // Only what Codex needs: node for its launcher script, the system tools for its shell; no OPENAI_API_KEY, no proxies.
    env: { PATH: `${dirname(process.execPath)}:/usr/local/bin:/usr/bin:/bin`, HOME: home, CODEX_HOME: codexHome, CLAUDE_PROXY_KEY: PROXY_KEY },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    process.kill(-child.pid!, 'SIGKILL');
  }, CODEX_TIMEOUT_MS);
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (exitCode, exitSignal) => resolve([exitCode, exitSignal]));
  });
  clearTimeout(timer);
  return { code, signal, timedOut, stdout, stderr };
}

/** Fails with Codex's own output, which says what went wrong. */
function expectSuccess(run: CodexRun): void {
  expect({ code: run.code, signal: run.signal, timedOut: run.timedOut }, `codex stderr:\n${run.stderr}`).toEqual({ code: 0, signal: null, timedOut: false });
}

/** What Codex sent to POST /v1/responses in the runs whose prompt contains `marker`. */
function codexRequests(marker: string) {
  return forwarder.exchangesFor('/v1/responses').filter((exchange) => JSON.stringify(exchange.requestBody?.input ?? '').includes(marker));
}

function systemText(body: any): string {
  return (body.system as Array<{ text: string }>).map((block) => block.text).join('\n');
}

describe('Codex CLI through the proxy', () => {
  it('answers a plain prompt: Codex prints the model reply; the model saw its instructions, the prompt and its function tools', async () => {
    proxy.upstream.when('marker-codex-hello', textReply('Hello from Claude, via claude-cli-proxy.'));
    const run = await runCodex('marker-codex-hello Say hello.');
    expectSuccess(run);
    expect(run.stdout.trim()).toBe('Hello from Claude, via claude-cli-proxy.');

    // One Responses request, answered 200 as a stream; nothing else was called.
    const sent = codexRequests('marker-codex-hello');
    expect(sent).toHaveLength(1);
    expect(forwarder.exchanges.filter((exchange) => exchange.url !== '/v1/responses')).toEqual([]);
    const [exchange] = sent;
    expect(exchange!.requestHeaders.authorization).toBe(`Bearer ${PROXY_KEY}`);
    expect(exchange!.requestBody).toMatchObject({ model: 'claude-sonnet-4-6', stream: true, store: false });
    expect(exchange!.status).toBe(200);
    expect(exchange!.responseHeaders!['content-type']).toMatch(/^text\/event-stream/);
    const codexTools = exchange!.requestBody.tools as Array<{ type: string; name?: string }>;
    const functionNames = codexTools.filter((tool) => tool.type === 'function').map((tool) => tool.name!);
    expect(functionNames).toContain('exec_command');
    // Codex also declares tools the CLI cannot offer (a namespace of sub-agent tools, hosted web search): dropped and
    // named in x-proxy-ignored, with the request fields that cannot be passed on.
    expect(codexTools.map((tool) => tool.type)).toEqual(expect.arrayContaining(['namespace', 'web_search']));
    expect(exchange!.responseHeaders!['x-proxy-ignored']).toBe('prompt_cache_key, include, tools[namespace], tools[web_search]');

    const requests = proxy.upstream.modelRequests('marker-codex-hello');
    expect(requests).toHaveLength(1);
    const body = requests[0]!.body;
    expect(body.model).toBe('claude-sonnet-4-6');
    // Codex sends its system prompt as developer messages (no `instructions`): they become the system prompt.
    expect(systemText(body)).toContain('You are a coding agent running in the Codex CLI');
    expect(systemText(body)).toContain('<permissions instructions>');
    const lastUser = JSON.stringify(body.messages.at(-1));
    expect(body.messages.at(-1).role).toBe('user');
    expect(lastUser).toContain('<environment_context>');
    expect(lastUser).toContain('marker-codex-hello Say hello.');
    // Every function tool of Codex, and only those, reached the model behind the CLI's MCP prefix (the CLI sorts them).
    expect(body.tools.map((tool: { name: string }) => tool.name).sort()).toEqual(functionNames.map((name) => `mcp__t__${name}`).sort());
  });

  it('runs a tool round trip: the model calls exec_command, Codex runs it in its sandbox and sends the output back', async () => {
    // printf's output is not in the command line: "codex-tool-ok" in the result proves the command ran.
    const command = "printf 'codex-%s-ok' tool";
    proxy.upstream.when('marker-codex-tool', {
      kind: 'message',
      content: [
        { type: 'text', text: 'Let me run it.' },
        { type: 'tool_use', id: 'toolu_codex1', name: 'mcp__t__exec_command', input: { cmd: command } },
      ],
    });
    proxy.upstream.when('codex-tool-ok', textReply('The command printed codex-tool-ok.'));
    const run = await runCodex('marker-codex-tool Run the check command.');
    expectSuccess(run);
    expect(run.stdout.trim()).toBe('The command printed codex-tool-ok.');

    // Codex got the call as a function_call of its own tool name and sent the call and its output back.
    const sent = codexRequests('marker-codex-tool');
    expect(sent).toHaveLength(2);
    expect(sent.map((exchange) => exchange.status)).toEqual([200, 200]);
    const followUpInput = sent[1]!.requestBody.input as Array<Record<string, unknown>>;
    expect(followUpInput.filter((item) => item.type === 'function_call')).toMatchObject([
      { call_id: 'toolu_codex1', name: 'exec_command', arguments: JSON.stringify({ cmd: command }) },
    ]);
    expect(followUpInput.filter((item) => item.type === 'function_call_output')).toMatchObject([
      { call_id: 'toolu_codex1', output: expect.stringContaining('codex-tool-ok') },
    ]);

    // Codex's follow-up continued on the process that made the call (held tool calls, ADR 0017).
    await expect.poll(() => proxy.reports.at(-1)?.processKind).toBe('held');
    expect(proxy.upstream.modelRequests('marker-codex-tool')).toHaveLength(1);
    const followUps = proxy.upstream.modelRequests('codex-tool-ok');
    expect(followUps).toHaveLength(1);
    const messages = followUps[0]!.body.messages as Array<{ role: string; content: Array<Record<string, any>> }>;
    expect(messages.at(-2)).toMatchObject({
      role: 'assistant',
      content: [
        { type: 'text', text: 'Let me run it.' },
        { type: 'tool_use', id: 'toolu_codex1', name: 'mcp__t__exec_command', input: { cmd: command } },
      ],
    });
    expect(messages.at(-1)!.role).toBe('user');
    const results = messages.at(-1)!.content.filter((block) => block.type === 'tool_result');
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({ tool_use_id: 'toolu_codex1' });
    expect(JSON.stringify(results[0]!.content)).toContain('codex-tool-ok');
    expect(JSON.stringify(results[0]!.content)).toContain('Process exited with code 0');
  });
});
