/**
 * @module
 * A scriptable fake of the Anthropic Messages API, for running the real `claude` CLI offline
 * (`ANTHROPIC_BASE_URL=http://127.0.0.1:PORT`). It records every request with its full body, so tests
 * can assert what the model saw, and replies with text, thinking, tool_use, errors, drops, stalls or hangs.
 *
 * Replies are chosen by the first rule whose marker occurs in the request's last user message
 * (tests put a unique marker in their prompt), else by the default reply.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type FakeBlock =
  | { type: 'text'; text: string; chunks?: readonly string[] }
  | { type: 'thinking'; thinking: string; signature: string }
  | { type: 'tool_use'; id?: string; name: string; input: Record<string, unknown> };

export interface FakeMessageReply {
  kind: 'message';
  content: readonly FakeBlock[];
  stopReason?: 'end_turn' | 'max_tokens' | 'stop_sequence' | 'tool_use' | 'refusal';
  stopSequence?: string | null;
  usage?: { input_tokens?: number; output_tokens?: number; cache_read_input_tokens?: number; cache_creation_input_tokens?: number };
  /** Milliseconds between SSE events (0: all at once). */
  eventGapMs?: number;
  /** Milliseconds before the response headers. */
  delayMs?: number;
  /** Streaming only: after this many SSE events, drop the socket or go silent. */
  interrupt?: { afterEvents: number; mode: 'drop' | 'stall' };
  /** Streaming only: after this many SSE events, a healthy pause of `ms` (a model thinking), with `ping` events as the API sends them. */
  pause?: { afterEvents: number; ms: number; pingEveryMs?: number };
  /** Extra response headers, e.g. the `anthropic-ratelimit-unified-*` quota headers of a subscription login. */
  headers?: Record<string, string>;
}

export interface FakeErrorReply {
  kind: 'error';
  status: number;
  errorType: string;
  message: string;
  headers?: Record<string, string>;
}

/** Accepts the request and never answers. */
export interface FakeHangReply {
  kind: 'hang';
}

export type FakeReply = FakeMessageReply | FakeErrorReply | FakeHangReply;

export interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON body (undefined for bodiless requests). */
  body: any;
  /** Set when the client (the CLI) went away before the reply was complete. */
  abandoned?: boolean;
  /** The usage the reply reported (a message reply): what the upstream counted for this request. */
  sentUsage?: { input_tokens: number; output_tokens: number; cache_read_input_tokens: number; cache_creation_input_tokens: number };
}

interface Rule {
  marker: string;
  reply: FakeReply | ((request: RecordedRequest) => FakeReply);
}

export function textReply(text: string, options: Omit<FakeMessageReply, 'kind' | 'content'> & { chunks?: readonly string[] } = {}): FakeMessageReply {
  const { chunks, ...rest } = options;
  return { kind: 'message', content: [chunks != null ? { type: 'text', text, chunks } : { type: 'text', text }], ...rest };
}

export function errorReply(status: number, errorType: string, message: string, headers?: Record<string, string>): FakeErrorReply {
  return headers != null ? { kind: 'error', status, errorType, message, headers } : { kind: 'error', status, errorType, message };
}

export class FakeUpstream {
  readonly requests: RecordedRequest[] = [];
  private readonly rules: Rule[] = [];
  private defaultReply: FakeReply = textReply('Hello from the fake upstream.', { chunks: ['Hello', ' from the', ' fake upstream.'] });
  private readonly server: Server;
  private readonly openResponses = new Set<ServerResponse>();
  private messageCounter = 0;

  constructor() {
    this.server = createServer((request, response) => {
      void this.handle(request, response);
    });
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return this.url;
  }

  get url(): string {
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  async stop(): Promise<void> {
    for (const response of this.openResponses) response.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Responses still open: a request the CLI started and never finished or abandoned. */
  get openCount(): number {
    return this.openResponses.size;
  }

  setDefault(reply: FakeReply): void {
    this.defaultReply = reply;
  }

  /** Answer requests whose last user message contains `marker`. Later rules win over earlier ones. */
  when(marker: string, reply: FakeReply | ((request: RecordedRequest) => FakeReply)): void {
    this.rules.unshift({ marker, reply });
  }

  /** Model requests (POST /v1/messages) whose last user message contains `marker`. */
  modelRequests(marker?: string): RecordedRequest[] {
    return this.requests.filter(
      (request) => request.method === 'POST' && request.path === '/v1/messages' && (marker == null || lastUserText(request.body).includes(marker)),
    );
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://fake');
    const raw = await readBody(request);
    const recorded: RecordedRequest = {
      method: request.method ?? 'GET',
      path: url.pathname,
      headers: { ...request.headers },
      body: raw.length > 0 ? safeJson(raw) : undefined,
    };
    this.requests.push(recorded);

    if (recorded.method === 'HEAD' || recorded.method === 'GET') {
      response.writeHead(200).end();
      return;
    }
    if (url.pathname === '/v1/messages/count_tokens') {
      sendJson(response, 200, undefined, { input_tokens: JSON.stringify(recorded.body ?? {}).length >> 2 });
      return;
    }
    if (url.pathname !== '/v1/messages') {
      sendJson(response, 404, undefined, { type: 'error', error: { type: 'not_found_error', message: `no route ${url.pathname}` } });
      return;
    }
    const reply = this.pickReply(recorded);
    this.openResponses.add(response);
    response.on('close', () => {
      this.openResponses.delete(response);
      if (!response.writableFinished) recorded.abandoned = true;
    });
    switch (reply.kind) {
      case 'hang':
        return;
      case 'error':
        response.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
        response.end(JSON.stringify({ type: 'error', error: { type: reply.errorType, message: reply.message } }));
        return;
      case 'message':
        await this.sendMessage(recorded, reply, response);
        return;
    }
  }

  private pickReply(request: RecordedRequest): FakeReply {
    const text = lastUserText(request.body);
    const rule = this.rules.find((candidate) => text.includes(candidate.marker));
    if (rule == null) return this.defaultReply;
    return typeof rule.reply === 'function' ? rule.reply(request) : rule.reply;
  }

  private async sendMessage(request: RecordedRequest, reply: FakeMessageReply, response: ServerResponse): Promise<void> {
    if (reply.delayMs != null) await sleep(reply.delayMs);
    this.messageCounter += 1;
    const id = `msg_fake${String(this.messageCounter).padStart(4, '0')}`;
    const model = String(request.body?.model ?? 'claude-fake');
    const content = reply.content.map((block, index) => finalBlock(block, index));
    const stopReason = reply.stopReason ?? (content.some((block) => block.type === 'tool_use') ? 'tool_use' : 'end_turn');
    const usage = {
      input_tokens: reply.usage?.input_tokens ?? 12,
      cache_creation_input_tokens: reply.usage?.cache_creation_input_tokens ?? 0,
      cache_read_input_tokens: reply.usage?.cache_read_input_tokens ?? 0,
      output_tokens: reply.usage?.output_tokens ?? 5,
    };
    request.sentUsage = usage;
    if (request.body?.stream !== true) {
      sendJson(response, 200, reply.headers, {
        id,
        type: 'message',
        role: 'assistant',
        model,
        content,
        stop_reason: stopReason,
        stop_sequence: reply.stopSequence ?? null,
        usage,
      });
      return;
    }
    response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', ...reply.headers });
    const events = streamEvents(id, model, reply, content, stopReason, usage);
    let sent = 0;
    for (const event of events) {
      if (reply.interrupt != null && sent === reply.interrupt.afterEvents) {
        if (reply.interrupt.mode === 'drop') response.destroy();
        return; // 'stall': headers and partial events sent, then silence
      }
      if (reply.pause != null && sent === reply.pause.afterEvents) await pauseWithPings(response, reply.pause);
      if (response.destroyed) return;
      response.write(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
      sent += 1;
      if (reply.eventGapMs != null && reply.eventGapMs > 0) await sleep(reply.eventGapMs);
    }
    response.end();
  }
}

type FinalBlock =
  | { type: 'text'; text: string }
  | { type: 'thinking'; thinking: string; signature: string }
  | { type: 'tool_use'; id: string; name: string; input: Record<string, unknown> };

function finalBlock(block: FakeBlock, index: number): FinalBlock {
  switch (block.type) {
    case 'text':
      return { type: 'text', text: block.text };
    case 'thinking':
      return { type: 'thinking', thinking: block.thinking, signature: block.signature };
    case 'tool_use':
      return { type: 'tool_use', id: block.id ?? `toolu_fake${index}`, name: block.name, input: block.input };
  }
}

function streamEvents(
  id: string,
  model: string,
  reply: FakeMessageReply,
  content: FinalBlock[],
  stopReason: string,
  usage: Record<string, number>,
): Array<Record<string, unknown> & { type: string }> {
  const events: Array<Record<string, unknown> & { type: string }> = [
    {
      type: 'message_start',
      message: { id, type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null, usage: { ...usage, output_tokens: 1 } },
    },
  ];
  reply.content.forEach((block, index) => {
    const final = content[index]!;
    switch (block.type) {
      case 'text': {
        events.push({ type: 'content_block_start', index, content_block: { type: 'text', text: '' } });
        for (const chunk of block.chunks ?? [block.text]) {
          events.push({ type: 'content_block_delta', index, delta: { type: 'text_delta', text: chunk } });
        }
        break;
      }
      case 'thinking': {
        events.push({ type: 'content_block_start', index, content_block: { type: 'thinking', thinking: '', signature: '' } });
        events.push({ type: 'content_block_delta', index, delta: { type: 'thinking_delta', thinking: block.thinking } });
        events.push({ type: 'content_block_delta', index, delta: { type: 'signature_delta', signature: block.signature } });
        break;
      }
      case 'tool_use': {
        const tool = final as Extract<FinalBlock, { type: 'tool_use' }>;
        events.push({ type: 'content_block_start', index, content_block: { type: 'tool_use', id: tool.id, name: tool.name, input: {} } });
        const json = JSON.stringify(tool.input);
        const middle = Math.floor(json.length / 2);
        events.push({ type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: json.slice(0, middle) } });
        events.push({ type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: json.slice(middle) } });
        break;
      }
    }
    events.push({ type: 'content_block_stop', index });
  });
  events.push({
    type: 'message_delta',
    delta: { stop_reason: stopReason, stop_sequence: reply.stopSequence ?? null },
    usage: { output_tokens: usage.output_tokens },
  });
  events.push({ type: 'message_stop' });
  return events;
}

/** The text of the last user message of a Messages request body (all text blocks joined). */
/** The upstream messages without the CLI's own additions: the date reminder block and cache_control markers. */
export function withoutCliAdditions(messages: any[]): any[] {
  return messages.map((message, index) => ({
    role: message.role,
    content: (message.content as any[])
      .filter((block) => !(index === 0 && block.type === 'text' && String(block.text).startsWith('<system-reminder>\nAs you answer')))
      .map(({ cache_control: _cache, ...block }) => block),
  }));
}

/**
 * Tool results as the model reads them: a string is one text block. A tool loop continued on the process that made
 * the calls (held-tool-calls.ts) gives the CLI the results as MCP content, and the CLI sends a string result as a
 * text block; a replayed history sends it as the client wrote it. Both mean the same to the model.
 */
export function withToolResultsAsBlocks(messages: any[]): any[] {
  return messages.map((message) => ({
    ...message,
    content: Array.isArray(message.content)
      ? message.content.map((block: any) =>
          block?.type === 'tool_result' && typeof block.content === 'string' && block.is_error !== true
            ? { ...block, content: [{ type: 'text', text: block.content }] }
            : block,
        )
      : message.content,
  }));
}

export function lastUserText(body: any): string {
  const messages: any[] = Array.isArray(body?.messages) ? body.messages : [];
  const last = [...messages].reverse().find((message) => message?.role === 'user');
  if (last == null) return '';
  if (typeof last.content === 'string') return last.content;
  return (last.content as any[])
    .map((block) => (block?.type === 'text' ? String(block.text) : block?.type === 'tool_result' ? JSON.stringify(block.content) : ''))
    .join('\n');
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function safeJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

function sendJson(response: ServerResponse, status: number, headers: Record<string, string> | undefined, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
}

async function pauseWithPings(response: ServerResponse, pause: NonNullable<FakeMessageReply['pause']>): Promise<void> {
  const until = Date.now() + pause.ms;
  while (Date.now() < until && !response.destroyed) {
    await sleep(Math.min(pause.pingEveryMs ?? pause.ms, until - Date.now()));
    if (pause.pingEveryMs != null && !response.destroyed) response.write('event: ping\ndata: {"type": "ping"}\n\n');
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
