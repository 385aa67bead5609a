/**
 * @module
 * Requests Node's HTTP parser refuses before any route sees them (broken framing, headers too large, an `Expect`
 * it cannot meet) and requests whose headers and body did not arrive within REQUEST_BODY_TIMEOUT_MS: answered in the error shape of
 * the caller's protocol, with a request id, then the connection is closed (Fastify's own body has neither).
 * Which protocol: from the request's own line when the parser got that far, else from what the `onRequest` hook
 * saw of the request on that socket (a body that trickles has had its headers read).
 */
import { randomBytes } from 'node:crypto';
import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyRequest } from 'fastify';
import { ProxyError } from '../errors.ts';
import type { ErrorShape } from './api.ts';
import { errorShapeOfPath, wantsAnthropic } from './protocol-of-request.ts';
import { errorBody } from './render-error.ts';

const shapeBySocket = new WeakMap<Socket, ErrorShape>();

/** Remembers the protocol of the request being read on a socket (an `onRequest` hook). */
export function rememberProtocol(request: FastifyRequest): void {
  shapeBySocket.set(request.raw.socket, errorShapeOfPath(request.url, wantsAnthropic(request)));
}

export function answerClientError(error: Error & { code?: string; rawPacket?: unknown }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const proxyError =
    error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? new ProxyError('timeout', 'the request headers and body did not arrive within REQUEST_BODY_TIMEOUT_MS', { status: 408 })
      : error.code === 'HPE_HEADER_OVERFLOW'
        ? new ProxyError('invalid_request', 'the request headers are too large', { status: 431 })
        : new ProxyError('invalid_request', `malformed HTTP request (${error.code ?? 'parse error'})`);
  const raw = Buffer.isBuffer(error.rawPacket) ? error.rawPacket.toString('latin1') : '';
  const line = /^[A-Z]+ (\S+) HTTP\//.exec(raw);
  const protocol = line != null ? errorShapeOfPath(line[1]!, /\r\nanthropic-version:/i.test(raw)) : (shapeBySocket.get(socket) ?? 'openai');
  const requestId = `req_${randomBytes(12).toString('base64url')}`;
  const body = JSON.stringify(errorBody(protocol, proxyError, requestId));
  // Nothing may be written after a response has begun on this socket (Node's own rule).
  if (socket.writable && socket.bytesWritten === 0) {
    socket.write(
      `HTTP/1.1 ${proxyError.status} ${STATUS_CODES[proxyError.status] ?? 'Error'}\r\n` +
        `content-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nrequest-id: ${requestId}\r\nx-request-id: ${requestId}\r\nconnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}

/** A request with an `Expect` header other than `100-continue` (Node's `checkExpectation` event). */
export function answerUnmetExpectation(request: IncomingMessage, response: ServerResponse): void {
  const requestId = `req_${randomBytes(12).toString('base64url')}`;
  const protocol = errorShapeOfPath(request.url ?? '/', request.headers['anthropic-version'] != null);
  const body = JSON.stringify(errorBody(protocol, new ProxyError('invalid_request', 'only "Expect: 100-continue" is supported', { status: 417 }), requestId));
  response.writeHead(417, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    'request-id': requestId,
    'x-request-id': requestId,
    connection: 'close',
  });
  response.end(body);
}
