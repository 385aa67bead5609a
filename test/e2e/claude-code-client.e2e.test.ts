/**
 * Claude Code itself as the client: `claude -p` (the bundled CLI, with a fresh HOME and an API key, not logged in)
 * → recording forwarder → proxy's POST /v1/messages → the proxy's own CLI → fake upstream. Claude Code runs its Read
 * tool on a scratch directory and sends the results back: a real agent's tool loop.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { textReply } from '../support/fake-upstream.ts';
import { RecordingForwarder } from '../support/recording-forwarder.ts';
import { bundledClaudePath, hermeticEnvironment, startTestProxy, type TestProxy } from '../support/start-test-proxy.ts';

/** The client is killed after this long: a hung run fails the test instead of hanging it. */
const CLIENT_TIMEOUT_MS = 45_000;

let proxy: TestProxy;
let forwarder: RecordingForwarder;
let forwarderUrl: string;
const scratch: string[] = [];

beforeAll(async () => {
  proxy = await startTestProxy();
  forwarder = new RecordingForwarder(proxy.url);
  forwarderUrl = await forwarder.start();
});
afterAll(async () => {
  await forwarder?.stop();
  await proxy?.close();
  for (const directory of scratch) rmSync(directory, { recursive: true, force: true });
});

async function runClaudeCode(prompt: string, cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const home = mkdtempSync(join(tmpdir(), 'claude-proxy-cc-client-home-'));
  scratch.push(home);
  const child = spawn(bundledClaudePath(), ['-p', prompt, '--output-format', 'json', '--allowedTools', 'Read', '--model', 'sonnet'], {
    cwd,
    env: { ...hermeticEnvironment(), HOME: home, ANTHROPIC_BASE_URL: forwarderUrl, ANTHROPIC_API_KEY: 'sk-client', CLAUDE_CODE_MAX_RETRIES: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const timer = setTimeout(() => child.kill('SIGKILL'), CLIENT_TIMEOUT_MS);
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  clearTimeout(timer);
  return { code, stdout, stderr };
}

describe('Claude Code as the client', () => {
  it('runs a two-step Read loop: every turn after the first continues on the held process, one upstream request each', async () => {
    const work = mkdtempSync(join(tmpdir(), 'claude-proxy-cc-client-work-'));
    scratch.push(work);
    writeFileSync(join(work, 'first.txt'), 'cc-first-contents: see second.txt\n');
    writeFileSync(join(work, 'second.txt'), 'cc-second-contents: the answer is 42\n');
    const read = (id: string, file: string) => ({ type: 'tool_use' as const, id, name: 'mcp__t__Read', input: { file_path: join(work, file) } });
    proxy.upstream.when('marker-cc-loop', { kind: 'message', content: [{ type: 'text', text: 'Reading.' }, read('toolu_cc1', 'first.txt')] });
    proxy.upstream.when('cc-first-contents', { kind: 'message', content: [read('toolu_cc2', 'second.txt')] });
    proxy.upstream.when('cc-second-contents', textReply('The answer is 42.'));
    const heldBefore = proxy.runner.stats().affinity.heldContinued;

    const run = await runClaudeCode('marker-cc-loop what is the answer? Read first.txt.', work);
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ result: 'The answer is 42.', is_error: false });

    // Claude Code 2.1.332 first sends its environment as a mid-conversation system message; the proxy's 400 says so
    // in words Claude Code recognises, and it sends the request again without system turns, as for such platforms.
    // (Side requests, such as the session title Claude Code may ask for without tools, are left out.)
    const sent = forwarder
      .exchangesFor('/v1/messages')
      .filter((exchange) => JSON.stringify(exchange.requestBody?.messages ?? []).includes('marker-cc-loop') && (exchange.requestBody?.tools ?? []).length > 0);
    const hasSystemTurn = (body: { messages: Array<{ role: string }> }) => body.messages.some((message) => message.role === 'system');
    expect(sent.filter((exchange) => exchange.status === 400).every((exchange) => hasSystemTurn(exchange.requestBody))).toBe(true);
    const served = sent.filter((exchange) => exchange.status === 200);
    expect(served).toHaveLength(3);
    expect(served.some((exchange) => hasSystemTurn(exchange.requestBody))).toBe(false);

    // Three turns, three upstream requests; the second and third answered the held calls with Claude Code's results.
    await expect.poll(() => proxy.runner.stats().affinity.heldContinued).toBe(heldBefore + 2);
    const withRead = (request: { body: { tools?: Array<{ name: string }> } }) => (request.body.tools ?? []).some((tool) => tool.name === 'mcp__t__Read');
    expect(proxy.upstream.modelRequests('marker-cc-loop').filter(withRead)).toHaveLength(1);
    expect(proxy.upstream.modelRequests('cc-first-contents')).toHaveLength(1);
    const [last] = proxy.upstream.modelRequests('cc-second-contents');
    expect(last!.body.messages.at(-1)).toMatchObject({
      role: 'user',
      content: [
        { type: 'tool_result', tool_use_id: 'toolu_cc2', content: [{ type: 'text', text: expect.stringContaining('cc-second-contents: the answer is 42') }] },
      ],
    });
  });
});
