/**
 * A fleet: two proxy instances (each its own real CLI and fake upstream) behind a real nginx on loopback, configured
 * as docs/fleet.md recommends: `hash` on the client's session header, else its proxy key, `consistent`; HTTP/1.1 to
 * the instances, `proxy_buffering off`. Through nginx, a sticky value always reaches the same instance and different
 * values reach both; a conversation's later turns continue on the process its instance kept (the fast path); a stream
 * reaches the client while the upstream is still mid-answer. Without stickiness, the other instance gives the model
 * the same request (it replays the history): stickiness buys speed, never correctness.
 * nginx runs in the foreground, single-process, with its own config, pid, logs and temp files in a temp directory,
 * and is stopped by its PID. Skipped without /usr/sbin/nginx, unless CI is set.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { busyCliProcesses } from '../support/cli-processes.ts';
import { textReply, type FakeReply, type RecordedRequest } from '../support/fake-upstream.ts';
import { startTestProxy, type TestProxy } from '../support/start-test-proxy.ts';
import { freePort } from '../support/free-port.ts';

const NGINX_PATH = '/usr/sbin/nginx';
const MISSING = existsSync(NGINX_PATH) ? undefined : `${NGINX_PATH} is missing (apt-get install nginx)`;
/** Outside CI a missing nginx skips these tests; in CI (.ci/run installs nginx) it fails them. */
const SKIP_REASON = MISSING != null && process.env.CI == null ? MISSING : undefined;

/** The proxy keys, the same on both instances (a fleet shares its keys); each one a client tool. */
const KEYS = Array.from({ length: 20 }, (_, index) => `sk-fleet-${index}`);
/** How many different sticky values each kind of client gets in the spread check. */
const STICKY_VALUES = 20;

let instances: TestProxy[] = [];
let nginx: ChildProcess | undefined;
let nginxExit: Promise<unknown> | undefined;
let nginxUrl: string;
let directory: string | undefined;

/**
 * The recommended configuration of docs/fleet.md ("nginx"), with this test's paths, plus `X-Served-By` (the instance
 * nginx chose) so that the test can tell which instance answered a request that starts no turn.
 */
function nginxConfig(path: string, port: number, upstreams: readonly string[]): string {
  return `
daemon off;
master_process off;
pid ${path}/nginx.pid;
error_log ${path}/error.log info;
events { worker_connections 256; }
http {
  access_log ${path}/access.log;
  client_body_temp_path ${path}/client-body;
  proxy_temp_path ${path}/proxy;
  fastcgi_temp_path ${path}/fastcgi;
  uwsgi_temp_path ${path}/uwsgi;
  scgi_temp_path ${path}/scgi;

  upstream claude_cli_proxy {
    hash $http_x_claude_code_session_id$http_session_id$http_authorization$http_x_api_key consistent;
${upstreams.map((address) => `    server ${address} max_fails=3 fail_timeout=10s;`).join('\n')}
    keepalive 16;
  }

  server {
    listen 127.0.0.1:${port};
    underscores_in_headers on;
    client_max_body_size 32m;

    location / {
      proxy_pass http://claude_cli_proxy;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering off;
      proxy_request_buffering off;
      proxy_read_timeout 660s;
      add_header X-Served-By $upstream_addr always;
    }
  }
}
`;
}

beforeAll(async () => {
  if (SKIP_REASON != null) return;
  if (MISSING != null) throw new Error(`${MISSING}: CI must install it`);
  const settings = {
    PROXY_API_KEYS: KEYS.map((key, index) => `tool-${index}:${key}`).join(','),
    AFFINITY_SIZE: '4',
    WARM_POOL_SIZE: process.env.TEST_WARM_POOL_SIZE ?? '1',
  };
  instances = await Promise.all([startTestProxy({ settings }), startTestProxy({ settings })]);
  directory = mkdtempSync(join(tmpdir(), 'claude-proxy-fleet-nginx-'));
  const port = await freePort();
  const configPath = join(directory, 'nginx.conf');
  writeFileSync(configPath, nginxConfig(directory, port, instances.map(addressOf)));
  const argv = ['-p', directory, '-c', configPath, '-e', join(directory, 'error.log')];
  // A configuration error fails here, with nginx's own message.
  execFileSync(NGINX_PATH, ['-t', ...argv], { stdio: 'pipe' });
  nginx = spawn(NGINX_PATH, argv, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  nginx.stderr!.on('data', (chunk) => (stderr += chunk));
  const started = nginx;
  nginxExit = new Promise((resolve) => started.once('exit', resolve));
  nginxUrl = `http://127.0.0.1:${port}`;
  // expect.poll is for tests; vi.waitFor is its form for hooks.
  await vi.waitFor(
    async () => {
      if (started.exitCode != null) throw new Error(`nginx exited (${started.exitCode}): ${stderr}${readFileSync(join(directory!, 'error.log'), 'utf8')}`);
      expect((await fetch(`${nginxUrl}/health`)).status).toBe(200);
    },
    { timeout: 15_000, interval: 50 },
  );
});

afterAll(async () => {
  if (nginx != null && nginx.exitCode == null) {
    nginx.kill('SIGTERM');
    await nginxExit;
  }
  await Promise.all(instances.map((instance) => instance.close()));
  if (directory != null) rmSync(directory, { recursive: true, force: true });
});

/** `127.0.0.1:port`, as nginx's `$upstream_addr` names an instance. */
function addressOf(instance: TestProxy): string {
  return new URL(instance.url).host;
}

/** The instance nginx says it passed a response's request to (-1: none, or more than one). */
function servingInstance(response: Response): number {
  return instances.findIndex((instance) => addressOf(instance) === response.headers.get('x-served-by'));
}

/** The instance whose upstream received the model request with `marker` (-1 when none or both did). */
function instanceThatSaw(marker: string): number {
  const seen = instances.map((instance) => instance.upstream.modelRequests(marker).length > 0);
  return seen.filter(Boolean).length === 1 ? seen.indexOf(true) : -1;
}

/** Either instance may get the request: both upstreams know the reply. */
function whenOnBoth(marker: string, reply: FakeReply): void {
  for (const instance of instances) instance.upstream.when(marker, reply);
}

/** Every process of an earlier turn is kept or ended, on both instances: the next turn finds its kept process. */
async function settled(): Promise<void> {
  for (const instance of instances) await expect.poll(() => busyCliProcesses(instance)).toEqual([]);
}

/** What the model saw; `metadata` names the CLI's session, which differs between processes by design. */
function modelInput(request: RecordedRequest): unknown {
  const { metadata: _session, ...rest } = request.body as Record<string, unknown>;
  return rest;
}

/** GET /v1/models through nginx (no turn): which instance answered. */
async function probe(headers: Record<string, string>): Promise<number> {
  const response = await fetch(`${nginxUrl}/v1/models`, { headers });
  expect(response.status).toBe(200);
  await response.arrayBuffer();
  const served = servingInstance(response);
  expect(served, `X-Served-By: ${response.headers.get('x-served-by')}`).not.toBe(-1);
  return served;
}

/** An Anthropic client through nginx with a session header, as Claude Code sends it (the SDK sends the key as a Bearer token). */
function clientThroughNginx(key: string, session: string): Anthropic {
  return new Anthropic({ baseURL: nginxUrl, apiKey: key, maxRetries: 0, defaultHeaders: { 'x-claude-code-session-id': session } });
}

describe('two instances behind nginx with sticky routing', () => {
  it('sends every request with the same session header or key to one instance, and different ones to both', async ({ skip }) => {
    skip(SKIP_REASON != null, SKIP_REASON);
    // What the clients send (docs/fleet.md): Claude Code x-claude-code-session-id and its key as x-api-key; Codex
    // `session-id` and a Bearer key; pi-ai's Responses provider `session_id` (nginx needs underscores_in_headers);
    // the OpenAI Agents SDK and others only their key.
    const kinds: Record<string, (index: number) => Record<string, string>> = {
      'Claude Code session': () => ({ 'x-api-key': KEYS[0]!, 'x-claude-code-session-id': randomUUID() }),
      'Codex session': () => ({ authorization: `Bearer ${KEYS[0]}`, 'session-id': randomUUID() }),
      'pi-ai session': () => ({ authorization: `Bearer ${KEYS[0]}`, session_id: randomUUID() }),
      'Bearer key only': (index) => ({ authorization: `Bearer ${KEYS[index]}` }),
      'x-api-key only': (index) => ({ 'x-api-key': KEYS[index]! }),
    };
    for (const [kind, headersOf] of Object.entries(kinds)) {
      const placements = await Promise.all(
        Array.from({ length: STICKY_VALUES }, async (_, index) => {
          const headers = headersOf(index);
          const served: number[] = [];
          for (let repeat = 0; repeat < 3; repeat += 1) served.push(await probe(headers));
          return served;
        }),
      );
      // Each value: three requests, one instance. All values: both instances (the chance that 20 random values
      // all hash to one of two instances is about 2 in a million).
      expect(
        placements.map((served) => new Set(served).size),
        kind,
      ).toEqual(Array.from({ length: STICKY_VALUES }, () => 1));
      expect(new Set(placements.flat()), kind).toEqual(new Set([0, 1]));
    }

    // Turns go where nginx says: one session that lands on each instance, found by probing, then one turn each.
    // (The Anthropic TypeScript SDK sends its apiKey as a Bearer token, so the probe does too.)
    const sessionFor = new Map<number, string>();
    while (sessionFor.size < 2) {
      const session = randomUUID();
      sessionFor.set(await probe({ authorization: `Bearer ${KEYS[0]}`, 'x-claude-code-session-id': session }), session);
    }
    for (const [index, session] of sessionFor) {
      const marker = `marker-fleet-where-${index}`;
      whenOnBoth(marker, textReply(`Served by instance ${index}.`));
      const reportsBefore = instances.map((instance) => instance.reports.length);
      const message = await clientThroughNginx(KEYS[0]!, session).messages.create({
        model: 'sonnet',
        max_tokens: 100,
        messages: [{ role: 'user', content: marker }],
      });
      expect(message.content).toMatchObject([{ type: 'text', text: `Served by instance ${index}.` }]);
      expect(instanceThatSaw(marker)).toBe(index);
      await expect.poll(() => instances[index]!.reports.length).toBe(reportsBefore[index]! + 1);
      expect(instances[1 - index]!.reports.length).toBe(reportsBefore[1 - index]);
    }
  });

  it('continues a conversation through nginx on the process its instance kept', async ({ skip }) => {
    skip(SKIP_REASON != null, SKIP_REASON);
    await settled();
    const client = clientThroughNginx(KEYS[1]!, randomUUID());
    const reportsBefore = instances.map((instance) => instance.reports.length);
    const messages: Anthropic.MessageParam[] = [];
    for (const step of [1, 2, 3]) {
      whenOnBoth(`marker-fleet-conversation-${step}`, textReply(`Answer ${step}.`));
      messages.push({ role: 'user', content: `marker-fleet-conversation-${step}` });
      const message = await client.messages.create({ model: 'sonnet', max_tokens: 100, system: 'Be brief.', messages });
      expect(message.content).toMatchObject([{ type: 'text', text: `Answer ${step}.` }]);
      messages.push({ role: 'assistant', content: message.content });
      await settled();
    }

    // Every turn reached the same instance; the second and third went to the process kept after the turn before.
    const home = instanceThatSaw('marker-fleet-conversation-1');
    expect(home).not.toBe(-1);
    expect([2, 3].map((step) => instanceThatSaw(`marker-fleet-conversation-${step}`))).toEqual([home, home]);
    expect(instances[1 - home]!.reports.length).toBe(reportsBefore[1 - home]);
    await expect.poll(() => instances[home]!.reports.length).toBe(reportsBefore[home]! + 3);
    const kinds = instances[home]!.reports.slice(reportsBefore[home]).map((report) => report.processKind);
    expect(kinds[0]).not.toBe('kept');
    expect(kinds.slice(1)).toEqual(['kept', 'kept']);
    // Each continued turn was one model request carrying the whole conversation.
    const third = instances[home]!.upstream.modelRequests('marker-fleet-conversation-3');
    expect(third).toHaveLength(1);
    expect(third[0]!.body.messages.map((message: { role: string }) => message.role)).toEqual(['user', 'assistant', 'user', 'assistant', 'user']);
  });

  it('streams through nginx: the first text delta reaches the client while the upstream is still answering', async ({ skip }) => {
    skip(SKIP_REASON != null, SKIP_REASON);
    // The upstream sends message_start, content_block_start and the first delta, then pauses (with pings) for 2 s.
    whenOnBoth(
      'marker-fleet-stream',
      textReply('Streamed through nginx.', { chunks: ['Streamed', ' through', ' nginx.'], pause: { afterEvents: 3, ms: 2000, pingEveryMs: 500 } }),
    );
    const response = await fetch(`${nginxUrl}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', 'x-api-key': KEYS[2]!, 'x-claude-code-session-id': randomUUID() },
      body: JSON.stringify({ model: 'sonnet', max_tokens: 100, stream: true, messages: [{ role: 'user', content: 'marker-fleet-stream go' }] }),
      signal: AbortSignal.timeout(30_000),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const served = servingInstance(response);
    expect(served).not.toBe(-1);

    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = '';
    let upstreamOpenAtFirstDelta: number | undefined;
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += value;
      if (upstreamOpenAtFirstDelta == null && text.includes('"text":"Streamed"')) {
        upstreamOpenAtFirstDelta = instances[served]!.upstream.openCount;
      }
    }
    // Not held back by nginx until the end: when the client had the first delta, the upstream's answer was still open.
    expect(upstreamOpenAtFirstDelta).toBe(1);
    const deltas = [...text.matchAll(/"text_delta","text":"([^"]*)"/g)].map((match) => match[1]);
    expect(deltas.join('')).toBe('Streamed through nginx.');
    expect(text).toContain('event: message_stop');
    expect(instanceThatSaw('marker-fleet-stream')).toBe(served);
  });

  it('answers the next turn on the other instance too (no stickiness): the model sees the same request, replayed', async ({ skip }) => {
    skip(SKIP_REASON != null, SKIP_REASON);
    await settled();
    whenOnBoth('marker-fleet-replay-1', {
      kind: 'message',
      content: [
        { type: 'text', text: 'First answer,' },
        { type: 'text', text: ' in two blocks.' },
      ],
    });
    whenOnBoth('marker-fleet-replay-2', textReply('Second answer.'));
    const base = { model: 'sonnet', max_tokens: 100, system: 'Be brief.' } as const;
    const messages: Anthropic.MessageParam[] = [{ role: 'user', content: 'marker-fleet-replay-1 hello' }];
    const client = clientThroughNginx(KEYS[3]!, randomUUID());
    const first = await client.messages.create({ ...base, messages });
    const home = instanceThatSaw('marker-fleet-replay-1');
    expect(home).not.toBe(-1);
    const other = 1 - home;
    await settled();
    messages.push({ role: 'assistant', content: first.content }, { role: 'user', content: 'marker-fleet-replay-2 and then?' });

    // The second turn sent straight to the other instance (a load balancer without stickiness, or a failover): it
    // has no process for this conversation and replays the history.
    const otherReportsBefore = instances[other]!.reports.length;
    const direct = new Anthropic({ baseURL: instances[other]!.url, apiKey: KEYS[3]!, maxRetries: 0 });
    const elsewhere = await direct.messages.create({ ...base, messages });
    expect(elsewhere.content).toMatchObject([{ type: 'text', text: 'Second answer.' }]);
    await expect.poll(() => instances[other]!.reports.length).toBe(otherReportsBefore + 1);
    expect(instances[other]!.reports.at(-1)!.processKind).not.toBe('kept');

    // The same second turn through nginx, which sends it home: the kept process continues the conversation.
    const homeReportsBefore = instances[home]!.reports.length;
    const continued = await client.messages.create({ ...base, messages });
    expect(continued.content).toEqual(elsewhere.content);
    await expect.poll(() => instances[home]!.reports.length).toBe(homeReportsBefore + 1);
    expect(instances[home]!.reports.at(-1)!.processKind).toBe('kept');

    // Both model requests carry the client's conversation exactly: the replayed one is what the kept process sent.
    const [replayed] = instances[other]!.upstream.modelRequests('marker-fleet-replay-2');
    const [kept] = instances[home]!.upstream.modelRequests('marker-fleet-replay-2');
    expect(replayed!.body.messages.map((message: { role: string }) => message.role)).toEqual(['user', 'assistant', 'user']);
    expect(replayed!.body.messages[1].content).toEqual([
      { type: 'text', text: 'First answer,' },
      { type: 'text', text: ' in two blocks.' },
    ]);
    expect(modelInput(replayed!)).toEqual(modelInput(kept!));
  });
});
