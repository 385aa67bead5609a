/**
 * @module
 * A CliRunner for the in-process test tier: it builds the real CLI invocation for each turn (so every check made
 * before a process would start still runs) and answers with the stdout of a recorded CLI turn, without spawning.
 * `inspect` sees each invocation, so a test can check what would have reached the CLI's argv and stdin.
 */
import { randomUUID } from 'node:crypto';
import { buildCliInvocation, type CliInvocation } from '../../src/cli/build-cli-invocation.ts';
import { CliHealth } from '../../src/cli/cli-health.ts';
import { parseCliLine, type CliLine } from '../../src/cli/cli-lines.ts';
import type { CliRunner, RunnerStats, RunOptions } from '../../src/cli/cli-runner.ts';
import type { TurnRequest } from '../../src/core/turn-request.ts';
import { errorOfAbort } from '../../src/errors.ts';
import { fixtureLines } from './cli-fixtures.ts';

export interface RecordedCliRunnerOptions {
  /** The recorded turn to answer with, per request (default: `text`). */
  scenario?: (request: TurnRequest) => string;
  inspect?: (invocation: CliInvocation, request: TurnRequest) => void;
  /** Awaited once the turn has its slot, before the first line: the time the CLI and the model take. */
  hold?: (request: TurnRequest) => Promise<void>;
}

export class RecordedCliRunner implements CliRunner {
  readonly turns: TurnRequest[] = [];
  /** Turns whose signal fired (the client went away, or the shutdown ended them). */
  aborted = 0;
  private active = 0;
  private drainedWith: Error | undefined;

  constructor(private readonly options: RecordedCliRunnerOptions = {}) {}

  async *run(request: TurnRequest, options: RunOptions): AsyncIterable<CliLine> {
    if (options.signal.aborted) throw errorOfAbort(options.signal);
    const invocation = buildCliInvocation(request, { claudePath: 'claude', cwd: '/nonexistent', environment: {}, newId: randomUUID });
    this.options.inspect?.(invocation, request);
    if (this.drainedWith != null) throw this.drainedWith;
    this.turns.push(request);
    this.active += 1;
    try {
      options.onRunEvent?.({ type: 'acquired', processKind: 'cold', queueWaitMs: 0 });
      if (this.options.hold != null) await untilAborted(this.options.hold(request), options.signal);
      for (const line of fixtureLines(this.options.scenario?.(request) ?? 'text')) {
        if (options.signal.aborted) throw errorOfAbort(options.signal);
        yield parseCliLine(line);
      }
    } finally {
      this.active -= 1;
      if (options.signal.aborted) this.aborted += 1;
    }
  }

  activeCount(): number {
    return this.active;
  }

  stats(): RunnerStats {
    return {
      inUse: this.active,
      queued: 0,
      maxConcurrent: 8,
      warm: { size: 0, idle: 0 },
      idleMemory: { budgetMb: 1024, warm: 0, kept: 0, held: 0 },
      affinity: { size: 0, kept: 0, held: 0, continued: 0, heldContinued: 0, rewound: 0 },
    };
  }

  drain(error: Error): void {
    this.drainedWith = error;
  }

  async shutdown(): Promise<void> {}
}

/** A CLI health that a probe found logged in (the in-process tier has no CLI to probe). */
export function loggedInHealth(): CliHealth {
  const health = new CliHealth({
    path: 'claude',
    probe: async () => ({ path: 'claude', version: '2.1.197', loggedIn: true, authMethod: 'api_key', error: undefined }),
    now: Date.now,
    intervalMs: 60_000,
  });
  void health.refresh();
  return health;
}

/** The promise, unless the signal fires first: then the turn's abort error (as the real runner's guards do). */
function untilAborted(promise: Promise<void>, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = (): void => reject(errorOfAbort(signal));
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
