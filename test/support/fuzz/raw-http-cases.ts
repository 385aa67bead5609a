/**
 * @module
 * Requests no HTTP client library would send: broken framing, lying lengths, odd methods, paths and headers,
 * non-JSON and hostile JSON bodies. Each is written to a raw socket; the answer is read until the server closes.
 */
import { connect } from 'node:net';

export interface RawHttpCase {
  name: string;
  /** The bytes sent; `{host}` becomes the server's host:port. */
  request: string;
  /** Closed by the client after writing (half-close), for requests that would otherwise wait for more bytes. */
  endAfterWrite?: boolean;
}

const JSON_BODY = '{"model":"sonnet","max_tokens":5,"messages":[{"role":"user","content":"hi"}]}';

function post(path: string, body: string, headers: string[] = []): string {
  // Bytes go out as latin1 (one byte per character), so that is how the body is counted.
  return [
    `POST ${path} HTTP/1.1`,
    'Host: {host}',
    'Content-Type: application/json',
    `Content-Length: ${Buffer.byteLength(body, 'latin1')}`,
    'Connection: close',
    ...headers,
    '',
    body,
  ].join('\r\n');
}

export const RAW_HTTP_CASES: readonly RawHttpCase[] = [
  { name: 'invalid JSON', request: post('/v1/messages', '{"model":') },
  { name: 'JSON array body', request: post('/v1/chat/completions', '[]') },
  { name: 'JSON null body', request: post('/v1/responses', 'null') },
  { name: 'JSON string body', request: post('/v1/messages', '"hello"') },
  { name: 'empty JSON body', request: post('/v1/messages', '') },
  { name: 'proto poisoning', request: post('/v1/messages', '{"__proto__":{"admin":true},"model":"sonnet","messages":[]}') },
  { name: 'constructor poisoning', request: post('/v1/chat/completions', '{"constructor":{"prototype":{"x":1}},"model":"sonnet","messages":[]}') },
  { name: 'invalid UTF-8 in JSON', request: post('/v1/messages', `{"model":"sonnet","max_tokens":5,"messages":[{"role":"user","content":"\xff\xfe"}]}`) },
  { name: 'text/plain body', request: post('/v1/messages', JSON_BODY).replace('application/json', 'text/plain') },
  { name: 'no content-type', request: post('/v1/messages', JSON_BODY).replace('Content-Type: application/json\r\n', '') },
  { name: 'utf-16 charset', request: post('/v1/messages', JSON_BODY).replace('application/json', 'application/json; charset=utf-16') },
  { name: 'content-length shorter than the body', request: post('/v1/messages', JSON_BODY).replace(/Content-Length: \d+/, 'Content-Length: 10') },
  {
    name: 'content-length longer than the body (the body deadline ends it)',
    request: post('/v1/messages', JSON_BODY).replace(/Content-Length: \d+/, 'Content-Length: 100000'),
  },
  { name: 'negative content-length', request: post('/v1/messages', JSON_BODY).replace(/Content-Length: \d+/, 'Content-Length: -5') },
  { name: 'two content-lengths', request: post('/v1/messages', JSON_BODY, ['Content-Length: 3']) },
  {
    name: 'bad chunk size',
    request: [
      'POST /v1/messages HTTP/1.1',
      'Host: {host}',
      'Content-Type: application/json',
      'Transfer-Encoding: chunked',
      'Connection: close',
      '',
      'zz\r\n{}\r\n0\r\n\r\n',
    ].join('\r\n'),
  },
  {
    name: 'chunked and content-length',
    request: [
      'POST /v1/messages HTTP/1.1',
      'Host: {host}',
      'Content-Type: application/json',
      'Transfer-Encoding: chunked',
      'Content-Length: 2',
      'Connection: close',
      '',
      '2\r\n{}\r\n0\r\n\r\n',
    ].join('\r\n'),
  },
  { name: 'GET on a POST route', request: ['GET /v1/messages HTTP/1.1', 'Host: {host}', 'Connection: close', '', ''].join('\r\n') },
  { name: 'PUT', request: post('/v1/chat/completions', JSON_BODY).replace('POST', 'PUT') },
  { name: 'DELETE models', request: ['DELETE /v1/models/sonnet HTTP/1.1', 'Host: {host}', 'Connection: close', '', ''].join('\r\n') },
  { name: 'unknown method', request: ['BREW /v1/messages HTTP/1.1', 'Host: {host}', 'Connection: close', '', ''].join('\r\n') },
  { name: 'dot-dot path', request: ['GET /v1/models/../../health HTTP/1.1', 'Host: {host}', 'Connection: close', '', ''].join('\r\n') },
  { name: 'encoded NUL path', request: ['GET /v1/models/%00 HTTP/1.1', 'Host: {host}', 'Connection: close', '', ''].join('\r\n') },
  { name: 'bad percent encoding', request: ['GET /v1/models/%E6%ZZ HTTP/1.1', 'Host: {host}', 'Connection: close', '', ''].join('\r\n') },
  { name: 'non-ASCII model id', request: ['GET /v1/models/%E6%BC%A2 HTTP/1.1', 'Host: {host}', 'Connection: close', '', ''].join('\r\n') },
  { name: 'long model id', request: [`GET /v1/models/${'a'.repeat(5000)} HTTP/1.1`, 'Host: {host}', 'Connection: close', '', ''].join('\r\n') },
  { name: 'long URL', request: [`GET /v1/models?${'q'.repeat(60_000)} HTTP/1.1`, 'Host: {host}', 'Connection: close', '', ''].join('\r\n') },
  { name: 'huge header', request: post('/v1/messages', JSON_BODY, [`X-Big: ${'b'.repeat(20_000)}`]) },
  {
    name: 'many headers',
    request: post(
      '/v1/messages',
      JSON_BODY,
      Array.from({ length: 3000 }, (_, index) => `X-H${index}: v`),
    ),
  },
  { name: 'header with a non-ASCII byte', request: post('/v1/messages', JSON_BODY, ['Anthropic-Beta: \xe6\xbc\xa2']) },
  { name: 'no Host header', request: post('/v1/messages', JSON_BODY).replace('Host: {host}\r\n', '') },
  { name: 'foreign Host header', request: post('/v1/messages', JSON_BODY).replace('Host: {host}', 'Host: evil.example') },
  { name: 'HTTP/1.0', request: post('/v1/messages/count_tokens', JSON_BODY).replace('HTTP/1.1', 'HTTP/1.0') },
  { name: 'HTTP/0.9-style line', request: 'GET /health\r\n\r\n' },
  { name: 'garbage', request: '\x00\x01\x02 not http at all\r\n\r\n' },
  { name: 'expect 100-continue', request: post('/v1/messages/count_tokens', JSON_BODY, ['Expect: 100-continue']) },
  { name: 'expect something else', request: post('/v1/messages/count_tokens', JSON_BODY, ['Expect: 200-ok']) },
  {
    name: 'pipelined requests',
    request: post('/v1/messages/count_tokens', JSON_BODY).replace('Connection: close', 'Connection: keep-alive') + post('/v1/messages/count_tokens', '{'),
  },
  {
    name: 'OPTIONS preflight from a foreign origin',
    request: [
      'OPTIONS /v1/messages HTTP/1.1',
      'Host: {host}',
      'Origin: https://evil.example',
      'Access-Control-Request-Method: POST',
      'Connection: close',
      '',
      '',
    ].join('\r\n'),
  },
  { name: 'bearer with odd bytes', request: post('/v1/messages/count_tokens', JSON_BODY, ['Authorization: Bearer \x01\x02']) },
];

export interface RawHttpResponse {
  status: number;
  headers: Headers;
  body: string;
}

export interface RawHttpAnswer {
  /** The raw bytes the server wrote before closing. */
  text: string;
  /** Status codes of every response in the bytes, in order. */
  statuses: number[];
  /** Every response with a content-length body, in order. */
  responses: RawHttpResponse[];
}

function parseResponses(text: string): RawHttpResponse[] {
  const responses: RawHttpResponse[] = [];
  let rest = text;
  while (rest.startsWith('HTTP/1.')) {
    const end = rest.indexOf('\r\n\r\n');
    if (end < 0) break;
    const [statusLine, ...lines] = rest.slice(0, end).split('\r\n');
    const headers = new Headers();
    for (const line of lines) {
      const colon = line.indexOf(':');
      if (colon > 0) headers.append(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
    }
    const length = Number(headers.get('content-length') ?? 0);
    const body = Buffer.from(rest.slice(end + 4), 'latin1')
      .subarray(0, length)
      .toString('utf8');
    responses.push({ status: Number(statusLine!.split(' ')[1]), headers, body });
    rest = rest.slice(end + 4 + Buffer.byteLength(body, 'utf8'));
  }
  return responses;
}

/** Sends the bytes and resolves with everything the server wrote once it closes the connection. */
export function sendRawHttp(host: string, port: number, request: string, endAfterWrite = false): Promise<RawHttpAnswer> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', (error: NodeJS.ErrnoException) => {
      // A reset after the answer was written is how some oddities end.
      if (error.code === 'ECONNRESET' || error.code === 'EPIPE') return;
      reject(error);
    });
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('latin1');
      const statuses = [...text.matchAll(/HTTP\/1\.[01] (\d{3}) /g)].map((match) => Number(match[1]));
      resolve({ text, statuses, responses: parseResponses(text) });
    });
    socket.write(Buffer.from(request.replaceAll('{host}', `${host}:${port}`), 'latin1'), () => {
      if (endAfterWrite) socket.end();
    });
  });
}
