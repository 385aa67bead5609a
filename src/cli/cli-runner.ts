/**
 * @module
 * The small interface between the proxy and the CLI. Production uses ClaudeCliRunner (the only code that spawns
 * `claude`); tests can replay recorded NDJSON instead.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { TurnRequest } from '../core/turn-request.ts';

export interface RunOptions {
  /**
   * Aborted when the client goes away (the process is killed and nothing is sent), or with a ProxyError as its
   * reason when the turn must end with that error (the server shutting down).
   */
  signal: AbortSignal;
  log: FastifyBaseLogger;
  /** Called once the turn has a CLI slot (it may first wait in the queue). */
  onStarted?: () => void;
}

export interface CliRunner {
  /**
   * Runs one turn and yields the CLI's stdout lines. The consumer stops iterating after the `result` line (or on
   * any error); stopping ends the process. Throws ProxyError on timeouts, stalls, and a CLI that ends without result.
   */
  run(request: TurnRequest, options: RunOptions): AsyncIterable<string>;
  /** CLI processes serving a turn now. */
  activeCount(): number;
  /** Slots, queue and warm pool, for /health. */
  stats(): RunnerStats;
  /**
   * The server is shutting down: queued turns fail with `error` now and new ones at once; running turns go on; no
   * process is started ahead of time or kept for a next turn any more.
   */
  drain(error: Error): void;
  /** Kills every process still running (server shutdown). */
  shutdown(): Promise<void>;
}

export interface RunnerStats {
  /** Turns running now. */
  inUse: number;
  queued: number;
  maxConcurrent: number;
  warm: { size: number; idle: number };
  /** Processes kept for a conversation's next turn (conversation affinity). */
  affinity: { size: number; kept: number; continued: number };
}
