/**
 * @module
 * Pumps a protocol's output frames to an SSE response: keep-alives during long waits, the protocol's error frame
 * when the turn fails after the stream started (before that, the error propagates and becomes an HTTP status).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ClientDisconnectedError, ProxyError } from '../errors.ts';
import { toProxyError } from './render-error.ts';
import { SseStream, type SseFrame } from './sse-stream.ts';

export interface SseProtocol {
  keepAlive: SseFrame;
  errorFrames: (error: ProxyError) => SseFrame[];
  endFrames: SseFrame[];
}

export async function streamSseResponse(
  request: FastifyRequest,
  reply: FastifyReply,
  frames: AsyncIterable<SseFrame[]>,
  protocol: SseProtocol,
  options: { keepAliveMs: number; now: () => number; started: () => boolean },
): Promise<void> {
  const sse = new SseStream(reply, options.now);
  // Nothing may escape from a timer or a write: it ends this response (logged with its stack), never the server.
  const abandon = (error: unknown, what: string): void => {
    request.log.error({ err: error }, `${what} failed; the response is ended`);
    reply.raw.destroy();
  };
  // Keep-alives also open the stream: a client waiting on a slow first token sees bytes, not silence. Not while the
  // request waits in the queue: a queue timeout must still be able to answer with a real 429 and retry-after.
  const timer = setInterval(
    () => {
      if (options.started() && sse.idleFor() >= options.keepAliveMs) sse.write(protocol.keepAlive).catch((error: unknown) => abandon(error, 'keep-alive'));
    },
    Math.max(10, Math.floor(options.keepAliveMs / 2)),
  );
  try {
    for await (const batch of frames) {
      for (const frame of batch) await sse.write(frame);
    }
    for (const frame of protocol.endFrames) await sse.write(frame);
  } catch (error) {
    if (!sse.isOpen) throw error;
    if (error instanceof ClientDisconnectedError || sse.isClosed) {
      request.log.info('client disconnected mid-stream; CLI process stopped');
      return;
    }
    const proxyError = toProxyError(error);
    if (proxyError.status >= 500 && !(error instanceof ProxyError)) request.log.error({ err: error }, 'unexpected error mid-stream');
    else request.log.warn({ status: proxyError.status }, `stream failed: ${proxyError.message}`);
    try {
      for (const frame of protocol.errorFrames(proxyError)) await sse.write(frame);
    } catch (writeError) {
      abandon(writeError, 'the error frame');
    }
  } finally {
    clearInterval(timer);
    sse.end();
  }
}
