/**
 * @module
 * Pumps a protocol's output frames to an SSE response: keep-alives during long waits, the protocol's error frame
 * when the turn fails after the stream started (before that, the error propagates and becomes an HTTP status).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ClientDisconnectedError, type ProxyError } from '../errors.ts';
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
  // Keep-alives also open the stream: a client waiting on a slow first token sees bytes, not silence. Not while the
  // request waits in the queue: a queue timeout must still be able to answer with a real 429 and retry-after.
  const timer = setInterval(() => {
    if (options.started() && sse.idleFor() >= options.keepAliveMs) void sse.write(protocol.keepAlive);
  }, Math.max(10, Math.floor(options.keepAliveMs / 2)));
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
    request.log.warn({ status: proxyError.status }, `stream failed: ${proxyError.message}`);
    for (const frame of protocol.errorFrames(proxyError)) await sse.write(frame);
  } finally {
    clearInterval(timer);
    sse.end();
  }
}
