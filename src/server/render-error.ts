/**
 * @module
 * The single error handler: any failure becomes a ProxyError, rendered in the shape of the caller's protocol.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ClientDisconnectedError, kindForStatus, ProxyError } from '../errors.ts';
import { ERROR_BODIES, type ErrorShape } from './api.ts';
import { errorShapeOfRequest } from './protocol-of-request.ts';

export function toProxyError(error: unknown): ProxyError {
  if (error instanceof ProxyError) return error;
  const fastifyError = error as Partial<FastifyError>;
  switch (fastifyError.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ProxyError('request_too_large', 'Request exceeds the maximum allowed number of bytes (32 MB).');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new ProxyError('invalid_request', 'content-type must be application/json', { status: 415 });
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new ProxyError('invalid_request', 'the request body is empty; send a JSON object');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new ProxyError('invalid_request', `the request body is not valid JSON: ${fastifyError.message ?? ''}`);
    default:
      break;
  }
  const status = fastifyError.statusCode;
  if (status != null && status >= 400 && status < 500) {
    // Fastify's messages quote the request's URL, which can be long.
    const message = fastifyError.message ?? 'bad request';
    return new ProxyError(kindForStatus(status), message.length > 300 ? `${message.slice(0, 300)}...` : message, { status });
  }
  return new ProxyError('api_error', 'internal error in claude-cli-proxy', { cause: error });
}

export function errorBody(shape: ErrorShape, error: ProxyError, requestId: string): object {
  return ERROR_BODIES[shape](error, requestId);
}

export function handleError(error: unknown, request: FastifyRequest, reply: FastifyReply): void {
  if (error instanceof ClientDisconnectedError) {
    request.log.info('client disconnected; CLI process stopped');
    return;
  }
  const proxyError = toProxyError(error);
  // A ProxyError is an expected outcome (bad input, upstream failure); anything else is a bug worth a stack.
  if (!(error instanceof ProxyError)) request.log.error({ err: error }, 'unexpected error');
  else request.log[proxyError.status >= 500 ? 'warn' : 'info']({ status: proxyError.status }, proxyError.message);
  if (reply.sent || reply.raw.headersSent) return;
  // Also for errors raised before the onRequest hook ran (bad URLs).
  void reply.header('request-id', request.id);
  void reply.header('x-request-id', request.id);
  if (proxyError.retryAfterSeconds != null) reply.header('retry-after', String(proxyError.retryAfterSeconds));
  void reply.status(proxyError.status).send(errorBody(errorShapeOfRequest(request), proxyError, request.id));
}
