/**
 * @module
 * An AbortSignal that fires when the client goes away before the response is complete.
 * Listens on the response socket: `request.raw` 'close' fires as soon as the body has been read (Node),
 * so it cannot tell a disconnect from a finished upload.
 */
import type { FastifyReply } from 'fastify';

export function abortOnDisconnect(reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) controller.abort();
  });
  return controller.signal;
}
