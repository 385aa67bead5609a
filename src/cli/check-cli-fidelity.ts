/**
 * @module
 * The fidelity self-check: runs the proxy's own CLI once, exactly as a turn would run, against a recorder on
 * loopback, and compares the request the CLI would have sent upstream with the known turn it was given
 * (find-fidelity-drift.ts). It answers the question no version number can: does this CLI, with the proxy's flags,
 * still send the client's conversation and nothing of the host? Hermetic: a fresh HOME and a fake API key, so no
 * login is used and nothing leaves the machine.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname, release, tmpdir } from 'node:os';
import { join } from 'node:path';
import { streamTurnEvents } from './stream-turn-events.ts';
import { plainTurnRequest, type TurnRequest } from '../core/turn-request.ts';
import { TOOL_NAME_PREFIX } from './client-tool-names.ts';
import { ClaudeCliRunner } from './claude-cli-runner.ts';
import { findFidelityDrift } from './find-fidelity-drift.ts';

export interface FidelityResult {
  status: 'ok' | 'drift' | 'failed';
  /** What differs (drift), or why the check could not run (failed). */
  differences: string[];
}

export interface FidelityCheckSettings {
  claudePath: string;
  /** The proxy's CLI environment (the probe replaces the upstream, the key and HOME). */
  environment: Record<string, string | undefined>;
  cwd: string;
  pluginDirectory: string | undefined;
  timeoutMs?: number;
}

/** The known turn: a system prompt, history and a client tool, as a client would send them. */
export const FIDELITY_TURN: TurnRequest = plainTurnRequest('claude-sonnet-4-6', {
  system: ['You are the fidelity probe of claude-cli-proxy.'],
  messages: [
    { role: 'user', content: 'fidelity probe: first question' },
    { role: 'assistant', content: [{ type: 'text', text: 'fidelity probe: first answer' }] },
    { role: 'user', content: 'fidelity probe: second question' },
  ],
  tools: [{ name: 'probe_tool', description: 'A tool of the fidelity probe.', inputSchema: { type: 'object', properties: { value: { type: 'string' } } } }],
  maxTokens: 64,
});

const SSE_REPLY = [
  {
    type: 'message_start',
    message: {
      id: 'msg_fidelity',
      type: 'message',
      role: 'assistant',
      model: 'claude-sonnet-4-6',
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { input_tokens: 1, output_tokens: 1 },
    },
  },
  { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
  { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'ok' } },
  { type: 'content_block_stop', index: 0 },
  { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 1 } },
  { type: 'message_stop' },
];

/** A loopback stand-in for the upstream: records the first model request and answers it with a short text. */
async function startRecorder(): Promise<{ url: string; body: Promise<unknown>; close: () => Promise<void> }> {
  let record: (body: unknown) => void = () => undefined;
  const body = new Promise<unknown>((resolve) => (record = resolve));
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      if (request.method !== 'POST' || !(request.url ?? '').startsWith('/v1/messages') || (request.url ?? '').includes('count_tokens')) {
        response.writeHead(request.method === 'POST' ? 404 : 200, { 'content-type': 'application/json' }).end('{}');
        return;
      }
      try {
        record(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch {
        record(undefined);
      }
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      for (const event of SSE_REPLY) response.write(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
      response.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    body,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const SILENT_LOG = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined } as never;

export async function checkCliFidelity(settings: FidelityCheckSettings): Promise<FidelityResult> {
  const recorder = await startRecorder();
  const home = mkdtempSync(join(tmpdir(), 'claude-cli-proxy-fidelity-'));
  // Only the upstream, the credentials and HOME change: everything else is the proxy's own CLI environment.
  const environment = Object.fromEntries(
    Object.entries(settings.environment).filter(
      ([name]) => !['ANTHROPIC_AUTH_TOKEN', 'CLAUDE_CODE_OAUTH_TOKEN', 'ANTHROPIC_BASE_URL', 'ANTHROPIC_API_KEY', 'HOME'].includes(name),
    ),
  );
  const runner = new ClaudeCliRunner({
    claudePath: settings.claudePath,
    cwd: settings.cwd,
    pluginDirectory: settings.pluginDirectory,
    environment: { ...environment, HOME: home, ANTHROPIC_BASE_URL: recorder.url, ANTHROPIC_API_KEY: 'sk-ant-claude-cli-proxy-fidelity-probe' },
    requestTimeoutMs: settings.timeoutMs ?? 60_000,
    streamIdleTimeoutMs: settings.timeoutMs ?? 60_000,
    streamQuietTimeoutMs: settings.timeoutMs ?? 60_000,
    maxConcurrent: 1,
    queueTimeoutMs: 1_000,
    warmPoolSize: 0,
    warmIdleMs: 1_000,
    affinitySize: 0,
    affinityIdleMs: 1_000,
    idleMemoryMb: 1024,
    mcpServers: new Map(),
    mcpAllowedUrls: [],
  });
  try {
    const events = streamTurnEvents(runner, FIDELITY_TURN, { signal: new AbortController().signal, log: SILENT_LOG, now: Date.now });
    for await (const _event of events) {
      // The turn must run to its end; only the request it made matters.
    }
    const body = await recorder.body;
    const differences = findFidelityDrift(body, {
      system: FIDELITY_TURN.system,
      messages: FIDELITY_TURN.messages,
      tools: FIDELITY_TURN.tools.map((tool) => ({ ...tool, name: `${TOOL_NAME_PREFIX}${tool.name}` })),
      hostDetails: [settings.cwd, hostname(), release(), home],
    });
    return { status: differences.length === 0 ? 'ok' : 'drift', differences };
  } catch (error) {
    return { status: 'failed', differences: [`the probe turn did not run: ${(error as Error).message}`] };
  } finally {
    await runner.shutdown();
    await recorder.close();
    rmSync(home, { recursive: true, force: true });
  }
}
