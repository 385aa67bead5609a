/**
 * @module
 * Runs turns on `claude` processes, putting the parts together: a slot (concurrency-gate.ts), a process and what to
 * tell it (acquire-process.ts: kept, warm or cold), the stdin replay (feed-stdin.ts), the guarded, parsed output
 * (guard-lines.ts, cli-lines.ts) with the CLI's control requests answered (answer-control-request.ts), and the end of
 * the turn: the process is ended (disconnect, timeout, crash) unless its turn ended cleanly and it is kept for the
 * conversation's next turn, and the warm pool is refilled.
 */
import { randomUUID } from 'node:crypto';
import type { Config } from '../config.ts';
import { errorOfAbort } from '../errors.ts';
import { plainTurnRequest, type ClientTool, type TurnRequest } from '../core/turn-request.ts';
import { acquireProcess } from './acquire-process.ts';
import { answerControlRequest } from './answer-control-request.ts';
import { buildCliInvocation, type CliInvocation } from './build-cli-invocation.ts';
import { ClaudeProcess } from './claude-process.ts';
import { parseCliLine, type CliLine } from './cli-lines.ts';
import type { CliRunner, ProcessKind, RunnerStats, RunOptions } from './cli-runner.ts';
import { ConcurrencyGate } from './concurrency-gate.ts';
import { localDay, ParkedConversations } from './conversation-affinity.ts';
import { StdinFeeder } from './feed-stdin.ts';
import { guardLines, type GuardLimits, type Watch } from './guard-lines.ts';
import { mapCliExitError } from './map-cli-error.ts';
import {
  announcedModelOf,
  answerIsContinuable,
  createTurnObservation,
  observeTurnLine,
  phaseAfterLine,
  resultAllowsContinuing,
  type TurnObservation,
} from './observe-turn-lines.ts';
import { WarmPool } from './warm-pool.ts';

export interface ClaudeCliRunnerSettings {
  claudePath: string;
  /** Empty private directory the CLI runs in. */
  cwd: string;
  /** The context-filter plugin's directory (private-work-directory.ts), given to every process. */
  pluginDirectory?: string | undefined;
  environment: Record<string, string | undefined>;
  requestTimeoutMs: number;
  streamIdleTimeoutMs: number;
  streamQuietTimeoutMs: number;
  maxConcurrent: number;
  queueTimeoutMs: number;
  warmPoolSize: number;
  warmIdleMs: number;
  affinitySize: number;
  affinityIdleMs: number;
}

/** After message_stop the CLI prints its `result` line at once (measured: under 5 ms); a process that does not is ended. */
const RESULT_WAIT_MS = 5_000;

/** The runner's settings from the proxy's config, the CLI's directory and the environment it inherits. */
export function runnerSettings(
  config: Config,
  cwd: string,
  environment: Record<string, string | undefined>,
  pluginDirectory?: string,
): ClaudeCliRunnerSettings {
  const {
    claudePath,
    requestTimeoutMs,
    streamIdleTimeoutMs,
    streamQuietTimeoutMs,
    maxConcurrent,
    queueTimeoutMs,
    warmPoolSize,
    warmIdleMs,
    affinitySize,
    affinityIdleMs,
  } = config;
  return {
    claudePath,
    cwd,
    pluginDirectory,
    environment,
    requestTimeoutMs,
    streamIdleTimeoutMs,
    streamQuietTimeoutMs,
    maxConcurrent,
    queueTimeoutMs,
    warmPoolSize,
    warmIdleMs,
    affinitySize,
    affinityIdleMs,
  };
}

export class ClaudeCliRunner implements CliRunner {
  /** Processes serving a turn (warm ones waiting in the pool are not counted). */
  private readonly live = new Set<ClaudeProcess>();
  private readonly gate: ConcurrencyGate;
  private readonly pool: WarmPool;
  private readonly conversations: ParkedConversations;
  /** Turns served by a kept process (affinity hits), since start. */
  private continued = 0;
  /** The local day of each process's first turn: the date the CLI wrote into its conversation. */
  private readonly firstTurnDay = new WeakMap<ClaudeProcess, string>();
  /** Set once the server shuts down: nothing more is started ahead of time or kept. */
  private draining = false;

  constructor(private readonly settings: ClaudeCliRunnerSettings) {
    this.gate = new ConcurrencyGate(settings.maxConcurrent, settings.queueTimeoutMs);
    this.pool = new WarmPool(settings.warmPoolSize, settings.warmIdleMs);
    this.conversations = new ParkedConversations(settings.affinitySize, settings.affinityIdleMs);
  }

  activeCount(): number {
    return this.live.size;
  }

  stats(): RunnerStats {
    return {
      inUse: this.gate.inUse,
      queued: this.gate.queued,
      maxConcurrent: this.settings.maxConcurrent,
      warm: { size: this.pool.capacity, idle: this.pool.idleCount },
      affinity: { size: this.conversations.capacity, kept: this.conversations.count, continued: this.continued },
    };
  }

  /** Pids of the idle warm processes. */
  warmPids(): number[] {
    return this.pool.idlePids();
  }

  /** Pids of the processes kept for a conversation's next turn. */
  keptPids(): number[] {
    return this.conversations.pids();
  }

  /** Fills the pool for the most common request: this model, defaults for everything else. */
  prewarm(model: string): void {
    if (this.draining) return;
    const invocation = this.invocationFor(plainTurnRequest(model));
    for (let count = 0; count < this.settings.warmPoolSize; count += 1) this.pool.fill(invocation);
  }

  drain(error: Error): void {
    this.draining = true;
    this.gate.close(error);
  }

  async shutdown(): Promise<void> {
    this.draining = true;
    await Promise.all([this.pool.shutdown(), this.conversations.shutdown(), ...[...this.live].map((child) => child.terminate())]);
  }

  /** SIGKILL to every CLI process this runner started, now (the proxy is exiting without a graceful end). */
  killAll(): void {
    for (const child of [...this.live, ...this.pool.idleProcesses(), ...this.conversations.processes()]) child.kill();
  }

  private invocationFor(request: TurnRequest, announcedModel?: () => string | undefined) {
    return buildCliInvocation(request, {
      claudePath: this.settings.claudePath,
      cwd: this.settings.cwd,
      environment: this.settings.environment,
      newId: randomUUID,
      pluginDirectory: this.settings.pluginDirectory,
      announcedModel,
    });
  }

  async *run(request: TurnRequest, options: RunOptions): AsyncIterable<CliLine> {
    if (options.signal.aborted) throw errorOfAbort(options.signal);
    // Invalid requests fail here, before they take a slot or a process.
    const announced: { model?: string } = {};
    const invocation = this.invocationFor(request, () => announced.model);
    const queuedAt = performance.now();
    const release = await this.gate.acquire(options.signal);
    let child: ClaudeProcess | undefined;
    let kind: ProcessKind | undefined;
    let failed = false;
    const observation = createTurnObservation();
    try {
      const acquired = acquireProcess(
        { conversations: this.conversations, pool: this.pool, spawn: (spawnWith) => new ClaudeProcess(spawnWith) },
        invocation,
        conversationSettings(invocation, request),
      );
      const cli = acquired.process;
      child = cli;
      kind = acquired.kind;
      const acquiredAt = performance.now();
      options.onRunEvent?.({ type: 'acquired', processKind: kind, queueWaitMs: acquiredAt - queuedAt });
      if (kind === 'kept') this.continued += 1;
      this.live.add(cli);
      if (kind !== 'kept') this.firstTurnDay.set(cli, localDay());
      options.log.debug({ pid: cli.pid, process: kind, model: request.model, messages: request.messages.length }, 'claude turn started');
      if (kind !== 'kept') {
        void cli.exited.then((exit) => {
          this.live.delete(cli);
          options.log.debug({ pid: cli.pid, ...exit, spawnError: exit.spawnError?.message }, 'claude exited');
        });
      }
      const stderrMark = cli.stderrMark;
      const input = new StdinFeeder((line) => cli.writeLine(line), acquired.steps);
      input.writeUntilAck();
      let first = true;
      for await (const line of outputLines(cli, options.signal, this.settings, request.tools, { phase: 'quiet' })) {
        if (first) {
          first = false;
          options.onRunEvent?.({ type: 'first_line', sinceAcquiredMs: performance.now() - acquiredAt });
        }
        // While history is being replayed, the CLI's lines are acknowledgements, not the answer.
        if (input.replaying) {
          announced.model = announcedModelOf(line) ?? announced.model;
          if (line.type === 'result') input.acknowledge();
          continue;
        }
        observeTurnLine(observation, line);
        yield line;
      }
      // stdout ended while the consumer still waited for the result line.
      throw mapCliExitError(await cli.exited, cli.stderrSince(stderrMark), this.settings.claudePath);
    } catch (error) {
      failed = true;
      throw error;
    } finally {
      // The consumer has what it needs (or gave up). The process is ended, or kept when the conversation can go on.
      if (child != null) {
        if (!failed && !options.signal.aborted && !this.draining && this.conversations.enabled && answerIsContinuable(observation)) {
          void this.keepForNextTurn(child, invocation, request, observation);
        } else {
          void child.terminate();
        }
      }
      release();
      // The next request with these settings finds a warm process; not after a failure (not logged in, upstream
      // down, a stall): a replacement would likely fail the same way. A kept process took no warm one.
      if (!failed && !options.signal.aborted && !this.draining && kind !== 'kept') this.pool.fill(invocation);
    }
  }

  /** Reads the turn's `result` line; keeps the process when the model's answer ended cleanly, else ends it. */
  private async keepForNextTurn(child: ClaudeProcess, invocation: CliInvocation, request: TurnRequest, observation: TurnObservation): Promise<void> {
    try {
      for await (const line of outputLines(child, AbortSignal.timeout(RESULT_WAIT_MS), this.settings, request.tools, { phase: 'quiet' })) {
        if (line.type !== 'result') continue;
        if (!resultAllowsContinuing(line) || this.draining) break;
        this.live.delete(child);
        this.conversations.park(
          conversationSettings(invocation, request),
          [...invocation.conversation, { role: 'assistant', content: observation.reply }],
          child,
          this.firstTurnDay.get(child) ?? localDay(),
        );
        return;
      }
    } catch {
      // No result in time, or the process died: not kept.
    }
    void child.terminate();
  }
}

function conversationSettings(invocation: CliInvocation, request: TurnRequest) {
  return { invocation, system: request.system, tools: request.tools, outputSchema: request.outputSchema };
}

/**
 * The CLI's stdout lines, parsed once, under the guards (guard-lines.ts), without its own requests: those are answered
 * on its stdin here (answer-control-request.ts). The watch follows the phase for the idle limit.
 */
async function* outputLines(
  child: ClaudeProcess,
  signal: AbortSignal,
  limits: GuardLimits,
  tools: readonly ClientTool[],
  watch: Watch,
): AsyncGenerator<CliLine> {
  for await (const text of guardLines(child.lines(), signal, limits, watch)) {
    const line = parseCliLine(text);
    watch.phase = phaseAfterLine(watch.phase, line);
    if (line.type !== 'control_request') {
      yield line;
      continue;
    }
    const response = answerControlRequest(line, tools);
    if (response != null) child.writeLine(JSON.stringify(response));
  }
}
