/**
 * Safety: no built-in tool ever runs on the host, no `claude` process outlives its request, and only the
 * intended callers get in (keys, Host header, CORS).
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { hostname, release, tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { busyCliProcesses } from '../support/cli-processes.ts';
import { textReply } from '../support/fake-upstream.ts';
import { startTestProxy, type TestProxy } from '../support/start-test-proxy.ts';
import { aliasId } from '../support/cli-aliases.ts';
import { findFidelityDrift } from '../../src/cli/find-fidelity-drift.ts';
import { ensurePrivateWorkDirectory } from '../../src/cli/private-work-directory.ts';

let proxy: TestProxy;
let client: Anthropic;

beforeAll(async () => {
  proxy = await startTestProxy({ settings: { REQUEST_TIMEOUT_MS: '3000' } });
  client = new Anthropic({ baseURL: proxy.url, apiKey: 'x', maxRetries: 0 });
});
afterAll(async () => proxy.close());

describe('the host is safe from the model', () => {
  it('never runs Bash or Write when upstream asks for them, nor hands those calls to the client (it declared no tools)', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'claude-proxy-marker-'));
    const bashMarker = join(directory, 'bash-ran');
    const writeMarker = join(directory, 'write-ran');
    proxy.upstream.when('marker-tools', {
      kind: 'message',
      content: [
        { type: 'tool_use', id: 'toolu_bash', name: 'Bash', input: { command: `touch ${bashMarker}` } },
        { type: 'tool_use', id: 'toolu_write', name: 'Write', input: { file_path: writeMarker, content: 'pwned' } },
      ],
    });
    const message = await client.messages.create({ model: 'sonnet', max_tokens: 100, messages: [{ role: 'user', content: 'marker-tools please run it' }] });
    expect(message.stop_reason).toBe('end_turn');
    expect(message.content.filter((block) => block.type === 'tool_use')).toEqual([]);
    await expect.poll(() => busyCliProcesses(proxy)).toEqual([]);
    expect(existsSync(bashMarker)).toBe(false);
    expect(existsSync(writeMarker)).toBe(false);
    const requests = proxy.upstream.modelRequests('marker-tools');
    // Claude Code's tools are not offered, and the turn ends at the model's reply: no tool_result went back up.
    expect(requests).toHaveLength(1);
    expect(requests[0]!.body.tools ?? []).toEqual([]);
  });
});

describe('what the model sees of the host', () => {
  it("is nothing: the conversation is the client's plus only the documented additions, with no working directory, host name, OS or shell", async () => {
    const weather = { name: 'get_weather', description: 'Weather', input_schema: { type: 'object' as const, properties: { city: { type: 'string' } } } };
    await client.messages.create({
      model: 'sonnet',
      max_tokens: 50,
      system: 'Be brief.',
      tools: [weather],
      messages: [
        { role: 'user', content: 'marker-host first' },
        { role: 'assistant', content: 'an answer' },
        { role: 'user', content: 'marker-host second' },
      ],
    });
    const [request] = proxy.upstream.modelRequests('marker-host second');
    const drift = findFidelityDrift(request!.body, {
      system: ['Be brief.'],
      messages: [
        { role: 'user', content: 'marker-host first' },
        { role: 'assistant', content: 'an answer' },
        { role: 'user', content: 'marker-host second' },
      ],
      tools: [{ name: 'mcp__t__get_weather', description: 'Weather', inputSchema: weather.input_schema }],
      hostDetails: [ensurePrivateWorkDirectory(proxy.home), proxy.home, hostname(), release()],
    });
    expect(drift).toEqual([]);
    const text = JSON.stringify(request!.body);
    for (const phrase of ['Primary working directory', 'OS Version', 'Shell:', 'You are powered by the model', userInfo().homedir])
      expect(text).not.toContain(phrase);
  });
});

describe("a client's text is never a command to the CLI", () => {
  it('does not read host files named with @ in a message (the CLI attaches them unless told not to)', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'claude-proxy-secret-'));
    const secret = join(directory, 'secret.txt');
    writeFileSync(secret, 'TOP-SECRET-7f2c');
    await client.messages.create({
      model: 'sonnet',
      max_tokens: 10,
      messages: [
        { role: 'user', content: `summarize @${secret}` },
        { role: 'assistant', content: 'ok' },
        { role: 'user', content: `marker-at-mention and @"${secret}" and @/etc/hostname` },
      ],
    });
    const [request] = proxy.upstream.modelRequests('marker-at-mention');
    expect(JSON.stringify(request!.body)).not.toContain('TOP-SECRET-7f2c');
    expect(request!.body.messages.map((message: { role: string }) => message.role)).toEqual(['user', 'assistant', 'user']);
  });

  it('sends a message that starts with "/" to the model instead of running it as a CLI slash command', async () => {
    const ask = (content: string) => client.messages.create({ model: 'sonnet', max_tokens: 10, messages: [{ role: 'user', content }] });
    for (const command of ['/help marker-slash-1', '/model haiku marker-slash-2', '/compact marker-slash-3']) {
      const message = await ask(command);
      expect(message.content).toEqual([{ type: 'text', text: 'Hello from the fake upstream.' }]);
      const [request] = proxy.upstream.modelRequests(command.split(' ').at(-1));
      // The only difference: an invisible zero-width space in front (docs/limits.md).
      expect(request!.body.messages.at(-1).content.at(-1).text).toBe(`\u200b${command}`);
      expect(request!.body.model).toBe(aliasId('sonnet'));
    }
  });
});

describe('no claude process outlives its request', () => {
  it('kills the CLI when the client aborts a stream', async () => {
    proxy.upstream.when('marker-abort-stream', textReply('x', { chunks: Array.from({ length: 200 }, () => 'tick '), eventGapMs: 50 }));
    const stream = client.messages.stream({ model: 'sonnet', max_tokens: 100, messages: [{ role: 'user', content: 'marker-abort-stream' }] });
    const ended = stream.finalMessage().catch((error: unknown) => error);
    await new Promise<void>((resolve) => stream.once('text', () => resolve()));
    expect(busyCliProcesses(proxy).length).toBeGreaterThan(0);
    stream.abort();
    expect(await ended).toBeInstanceOf(Anthropic.APIUserAbortError);
    await expect.poll(() => busyCliProcesses(proxy), { timeout: 5000 }).toEqual([]);
    await expect.poll(() => proxy.runner.activeCount()).toBe(0);
  });

  it('kills the CLI when the client gives up on a non-streaming request', async () => {
    proxy.upstream.when('marker-abort-wait', { kind: 'hang' });
    const controller = new AbortController();
    const pending = client.messages.create(
      { model: 'sonnet', max_tokens: 10, messages: [{ role: 'user', content: 'marker-abort-wait' }] },
      { signal: controller.signal },
    );
    const settled = pending.then(
      () => 'answered',
      (error: unknown) => (error instanceof Anthropic.APIUserAbortError ? 'aborted' : String(error)),
    );
    await expect.poll(() => proxy.upstream.modelRequests('marker-abort-wait').length).toBe(1);
    controller.abort();
    expect(await settled).toBe('aborted');
    await expect.poll(() => busyCliProcesses(proxy), { timeout: 5000 }).toEqual([]);
  });

  it('kills the CLI and answers 504 when REQUEST_TIMEOUT_MS passes', async () => {
    proxy.upstream.when('marker-timeout', textReply('slow', { chunks: Array.from({ length: 100 }, () => '.'), eventGapMs: 100 }));
    const error = await client.messages
      .create({ model: 'sonnet', max_tokens: 10, messages: [{ role: 'user', content: 'marker-timeout' }] })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Anthropic.APIError);
    expect((error as InstanceType<typeof Anthropic.APIError>).status).toBe(504);
    expect((error as InstanceType<typeof Anthropic.APIError>).message).toContain('REQUEST_TIMEOUT_MS');
    await expect.poll(() => busyCliProcesses(proxy), { timeout: 5000 }).toEqual([]);
  });
});
