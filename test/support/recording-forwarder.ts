/**
 * @module
 * A loopback HTTP forwarder to put between a real client (Codex, the Agents SDK) and the test proxy: it passes every
 * request and response through unchanged, streaming included, and records what the client sent and what the proxy
 * answered (status, headers such as x-proxy-ignored, body). Tests can so check a client they cannot instrument.
 */
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ForwardedExchange {
  method: string;
  /** Path and query, as the client sent them. */
  url: string;
  requestHeaders: IncomingHttpHeaders;
  /** Parsed JSON body, or the raw text if it is not JSON (undefined when empty). */
  requestBody: any;
  /** Set once the proxy's response headers arrived. */
  status?: number;
  responseHeaders?: IncomingHttpHeaders;
  /** The response body as passed on so far (SSE frames for a stream). */
  responseBody: string;
  /** Resolves when the response has ended or either side went away. */
  done: Promise<void>;
}

export class RecordingForwarder {
  readonly exchanges: ForwardedExchange[] = [];
  private readonly server: Server;
  private readonly openResponses = new Set<ServerResponse>();

  constructor(private readonly target: string) {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => this.forward(request.method ?? 'GET', request.url ?? '/', request.headers, Buffer.concat(chunks), response));
    });
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  async stop(): Promise<void> {
    for (const response of this.openResponses) response.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** The exchanges for one path (query ignored), e.g. '/v1/responses'. */
  exchangesFor(path: string): ForwardedExchange[] {
    return this.exchanges.filter((exchange) => exchange.url.split('?')[0] === path);
  }

  private forward(method: string, url: string, headers: IncomingHttpHeaders, body: Buffer, response: ServerResponse): void {
    let markDone = () => {};
    const exchange: ForwardedExchange = {
      method,
      url,
      requestHeaders: headers,
      requestBody: body.length > 0 ? parseJson(body.toString('utf8')) : undefined,
      responseBody: '',
      done: new Promise<void>((resolve) => (markDone = resolve)),
    };
    this.exchanges.push(exchange);
    this.openResponses.add(response);
    let ended = false;
    const outgoing = httpRequest(new URL(url, this.target), { method, headers }, (incoming) => {
      exchange.status = incoming.statusCode;
      exchange.responseHeaders = incoming.headers;
      response.writeHead(incoming.statusCode ?? 502, incoming.headers);
      incoming.on('data', (chunk: Buffer) => {
        exchange.responseBody += chunk.toString('utf8');
        response.write(chunk);
      });
      incoming.on('end', () => {
        ended = true;
        response.end();
      });
    });
    outgoing.on('error', () => response.destroy());
    response.on('close', () => {
      this.openResponses.delete(response);
      // The client went away before the end: let the proxy see the disconnect too.
      if (!ended) outgoing.destroy();
      markDone();
    });
    outgoing.end(body);
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
