/**
 * @module
 * Shutting down without dropping anyone: on SIGTERM the server stops accepting connections, answers any further
 * request on an open connection with a 503 (retry-after: 1) and `connection: close`, closes idle keep-alive
 * connections (an SDK's pooled connection used to hold the server up to the 72 s keep-alive timeout) and every
 * other one once no response is in flight, and lets
 * running turns finish for SHUTDOWN_GRACE_MS. Then it ends them with an error in their protocol's shape (an SSE
 * error event, or a 503), and the runner ends every CLI process.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { CliRunner } from '../cli/cli-runner.ts';
import { ProxyError } from '../errors.ts';

/** After the grace period, how long ended turns get to write their error before every connection is cut. */
const LAST_WORDS_MS = 2_000;

export function shuttingDown(what: string): ProxyError {
  return new ProxyError('api_error', `claude-cli-proxy is shutting down: ${what}; retry the request`, { status: 503, retryAfterSeconds: 1 });
}

export class ShutdownState {
  private readonly controller = new AbortController();
  private started = false;
  /** Responses not yet closed: once none is left during the shutdown, every connection can go. */
  private inFlight = 0;
  private closeAll: (() => void) | undefined;

  /** Aborted, with the ProxyError running turns end with, once the grace period is over. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get draining(): boolean {
    return this.started;
  }

  /** Counts a request until its response is closed (an onRequest hook). */
  track(reply: FastifyReply): void {
    this.inFlight += 1;
    reply.raw.once('close', () => {
      this.inFlight -= 1;
      if (this.inFlight === 0) this.closeAll?.();
    });
  }

  /** Stops the server gently; resolves once every connection is closed and every CLI process ended. */
  async close(app: FastifyInstance, runner: CliRunner, graceMs: number): Promise<void> {
    if (this.started) return;
    this.started = true;
    runner.drain(shuttingDown('the request was still waiting for a free CLI slot'));
    // Connections with nothing in flight (idle keep-alives, or never used) would hold server.close() open.
    this.closeAll = () => app.server.closeAllConnections();
    const closed = app.close();
    app.server.closeIdleConnections();
    if (this.inFlight === 0) this.closeAll();
    let lastWords: NodeJS.Timeout | undefined;
    const grace = setTimeout(() => {
      app.log.warn({ graceMs }, 'shutdown grace period over: ending the turns still running');
      this.controller.abort(shuttingDown(`the turn was still running after SHUTDOWN_GRACE_MS (${graceMs} ms)`));
      // A client that does not read its stream cannot hold the shutdown up.
      lastWords = setTimeout(() => this.closeAll?.(), LAST_WORDS_MS);
    }, graceMs);
    try {
      await closed;
    } finally {
      clearTimeout(grace);
      clearTimeout(lastWords);
    }
  }
}
