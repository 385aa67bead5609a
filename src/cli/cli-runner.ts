/**
 * @module
 * The small interface between the proxy and the CLI. Production uses ClaudeCliRunner (the only code that spawns
 * `claude`); the in-process tests replay recorded CLI output instead. The runner yields the CLI's lines parsed
 * (cli-lines.ts), and says how it served the turn (the process kind, the wait for a slot, the start-up): the seam
 * for metrics and logs (turn-report.ts).
 */
import type { TurnRequest } from '../core/turn-request.ts';
import type { CliLine } from './cli-lines.ts';

/** The few log methods the CLI driver uses (pino's logger has them; no HTTP framework type here). */
export interface Logger {
  debug(fields: object, message: string): void;
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

/**
 * How a turn got its process: `held` (the process that made the tool calls this request brings the results of, still
 * waiting on them: held-tool-calls.ts), `kept` (the process holding the conversation, conversation-affinity.ts),
 * `rewound` (the process holding the conversation plus the exchange this request drops, cut back first), `warm`
 * (started ahead with these settings, warm-pool.ts), `warm-late-settings` (started ahead with other max_tokens or
 * effort, given this request's values first), or `cold` (spawned for the turn).
 */
export type ProcessKind = 'held' | 'kept' | 'rewound' | 'warm' | 'warm-late-settings' | 'cold';

/** What the runner says about a turn as it serves it. */
export type RunEvent = { type: 'acquired'; processKind: ProcessKind; queueWaitMs: number } | { type: 'first_line'; sinceAcquiredMs: number };

export interface RunOptions {
  /**
   * Aborted when the client goes away (the process is killed and nothing is sent), or with a ProxyError as its
   * reason when the turn must end with that error (the server shutting down).
   */
  signal: AbortSignal;
  log: Logger;
  /** Told when the turn got its process (it may first wait in the queue) and when the CLI first spoke. */
  onRunEvent?: (event: RunEvent) => void;
  /**
   * The login this turn runs under (a subscription account), on top of the runner's environment; `undefined` removes a
   * variable. Processes are kept and reused per environment, so a turn only ever gets a process of its own login.
   */
  environment?: Readonly<Record<string, string | undefined>>;
}

export interface CliRunner {
  /**
   * Runs one turn and yields the CLI's stdout lines, parsed. The consumer stops iterating when it has what it needs;
   * stopping ends (or keeps) the process. Throws ProxyError on timeouts, stalls, and a CLI that ends without result.
   */
  run(request: TurnRequest, options: RunOptions): AsyncIterable<CliLine>;
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
  /** Memory of the idle processes by kind, in MB, and the budget they stay under (IDLE_MEMORY_MB). */
  idleMemory: { budgetMb: number; warm: number; kept: number; held: number };
  /**
   * Processes kept for a conversation's next turn (conversation affinity): `kept` in all, `held` of them waiting on
   * tool calls; turns `continued` on a kept process, and of those `heldContinued` by answering its tool calls; turns
   * `rewound` (served by a kept process cut back by one exchange).
   */
  affinity: { size: number; kept: number; held: number; continued: number; heldContinued: number; rewound: number };
}
