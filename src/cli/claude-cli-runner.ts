/**
 * @module
 * Runs turns on `claude` processes: the one that holds the conversation so far (conversation-affinity.ts), a warm
 * one (started ahead, warm-pool.ts) or a cold one. Replays the conversation on stdin, relays stdout lines under a
 * request timeout and an idle watchdog, and always ends the process (disconnect, timeout, crash) unless its turn
 * ended cleanly and it is kept for the next turn. At most MAX_CONCURRENT turns run at once; the rest queue
 * (concurrency-gate.ts).
 */
import { randomUUID } from 'node:crypto';
import type { Config } from '../config.ts';
import { assertNever, errorOfAbort, ProxyError } from '../errors.ts';
import { plainTurnRequest, type TurnRequest } from '../core/turn-request.ts';
import type { ClientTool } from '../core/turn-request.ts';
import { answerMcpMessage } from './answer-mcp-message.ts';
import { buildCliInvocation, type CliInvocation, type StdinStep } from './build-cli-invocation.ts';
import { ClaudeProcess } from './claude-process.ts';
import type { CliRunner, RunnerStats, RunOptions } from './cli-runner.ts';
import { ConcurrencyGate } from './concurrency-gate.ts';
import { localDay, ParkedConversations } from './conversation-affinity.ts';
import {
  announcedModelOf,
  answerIsContinuable,
  createTurnObservation,
  observeTurnLine,
  phaseAfterLine,
  resultAllowsContinuing,
  type StreamPhase,
  type TurnObservation,
} from './observe-turn-lines.ts';
import { mapCliExitError } from './map-cli-error.ts';
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


/** How long a starting CLI may take to print its first line (it prints `system/init` before calling upstream). */
const STARTUP_ALLOWANCE_MS = 30_000;
/** After message_stop the CLI prints its `result` line at once (measured: under 5 ms); a process that does not is ended. */
const RESULT_WAIT_MS = 5_000;

/** The runner's settings from the proxy's config, the CLI's directory and the environment it inherits. */
export function runnerSettings(config: Config, cwd: string, environment: Record<string, string | undefined>, pluginDirectory?: string): ClaudeCliRunnerSettings {
  const { claudePath, requestTimeoutMs, streamIdleTimeoutMs, streamQuietTimeoutMs, maxConcurrent, queueTimeoutMs, warmPoolSize, warmIdleMs, affinitySize, affinityIdleMs } = config;
  return { claudePath, cwd, pluginDirectory, environment, requestTimeoutMs, streamIdleTimeoutMs, streamQuietTimeoutMs, maxConcurrent, queueTimeoutMs, warmPoolSize, warmIdleMs, affinitySize, affinityIdleMs };
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

  async *run(request: TurnRequest, options: RunOptions): AsyncIterable<string> {
    if (options.signal.aborted) throw errorOfAbort(options.signal);
    // Invalid requests fail here, before they take a slot or a process.
    const announced: { model?: string } = {};
    const invocation = this.invocationFor(request, () => announced.model);
    const release = await this.gate.acquire(options.signal);
    let child: ClaudeProcess | undefined;
    let kept: ClaudeProcess | undefined;
    let failed = false;
    const observation = createTurnObservation();
    try {
      options.onStarted?.();
      kept = this.conversations.take(conversationSettings(invocation, request), invocation.conversation);
      if (kept != null) this.continued += 1;
      const warm = kept == null ? this.pool.take(invocation) : undefined;
      const cli = kept ?? warm?.process ?? new ClaudeProcess(invocation);
      child = cli;
      this.live.add(cli);
      if (kept == null) this.firstTurnDay.set(cli, localDay());
      options.log.debug(
        { pid: cli.pid, process: kept != null ? 'kept' : warm == null ? 'cold' : warm.exact ? 'warm' : 'warm, late settings', model: request.model, messages: request.messages.length },
        'claude turn started',
      );
      if (kept == null) {
        void cli.exited.then((exit) => {
          this.live.delete(cli);
          options.log.debug({ pid: cli.pid, ...exit, spawnError: exit.spawnError?.message }, 'claude exited');
        });
      }
      const stderrMark = cli.stderrMark;
      const input = new StdinFeeder(cli, stepsFor(invocation, kept != null ? 'kept' : warm == null || warm.exact ? 'fresh' : 'late settings'));
      input.writeUntilAck();
      const watch: Watch = { phase: 'quiet' };
      for await (const line of outputLines(cli, options.signal, this.settings, request.tools, watch)) {
        // While history is being replayed, the CLI's lines are acknowledgements, not the answer.
        if (input.replaying) {
          announced.model = announcedModelOf(line) ?? announced.model;
          if (isResultLine(line)) input.acknowledge();
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
      if (!failed && !options.signal.aborted && !this.draining && kept == null) this.pool.fill(invocation);
    }
  }

  /** Reads the turn's `result` line; keeps the process when the model's answer ended cleanly, else ends it. */
  private async keepForNextTurn(child: ClaudeProcess, invocation: CliInvocation, request: TurnRequest, observation: TurnObservation): Promise<void> {
    try {
      for await (const line of outputLines(child, AbortSignal.timeout(RESULT_WAIT_MS), this.settings, request.tools, { phase: 'quiet' })) {
        if (!isResultLine(line)) continue;
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

/** A kept process has the system prompt and history already: it gets the new user message only. */
function stepsFor(invocation: CliInvocation, process: 'fresh' | 'late settings' | 'kept'): StdinStep[] {
  switch (process) {
    case 'fresh':
      return invocation.stdinSteps;
    case 'late settings':
      // A warm process started with other max_tokens/effort takes this request's values first.
      return [invocation.lateEnvStep, ...invocation.stdinSteps];
    case 'kept':
      return [invocation.stdinSteps.at(-1)!];
    default:
      return assertNever(process, 'process kind');
  }
}

/** Writes the stdin steps, pausing after each one that awaits the CLI's acknowledgement. */
class StdinFeeder {
  private next = 0;
  private waiting = false;

  constructor(
    private readonly child: ClaudeProcess,
    private readonly steps: readonly StdinStep[],
  ) {}

  get replaying(): boolean {
    return this.waiting;
  }

  writeUntilAck(): void {
    while (this.next < this.steps.length) {
      const step = this.steps[this.next]!;
      this.next += 1;
      this.child.writeLine(step.line);
      if (step.awaitsAck) {
        this.waiting = true;
        return;
      }
    }
    // stdin stays open: the CLI may still need answers (MCP messages); the process is ended with the turn.
  }

  acknowledge(): void {
    this.waiting = false;
    this.writeUntilAck();
  }
}

/**
 * MCP messages get their answer; a permission prompt (`can_use_tool`) gets none, on purpose: answering would end
 * the model's stream before its parallel tool calls arrive (measured), and the turn ends at message_stop anyway.
 */
function answerControlRequest(child: ClaudeProcess, line: string, tools: readonly ClientTool[]): void {
  let request: { request_id?: string; request?: { subtype?: string; message?: object } };
  try {
    request = JSON.parse(line) as typeof request;
  } catch {
    return;
  }
  const subtype = request.request?.subtype;
  if (subtype === 'can_use_tool') return;
  const response =
    subtype === 'mcp_message' && request.request?.message != null
      ? { subtype: 'success', request_id: request.request_id, response: { mcp_response: answerMcpMessage(request.request.message, tools) } }
      : { subtype: 'error', request_id: request.request_id, error: `claude-cli-proxy does not handle ${subtype ?? 'this request'}` };
  child.writeLine(JSON.stringify({ type: 'control_response', response }));
}

function isControlRequestLine(line: string): boolean {
  try {
    return (JSON.parse(line) as { type?: unknown }).type === 'control_request';
  } catch {
    return false;
  }
}

function isResultLine(line: string): boolean {
  try {
    return (JSON.parse(line) as { type?: unknown }).type === 'result';
  } catch {
    return false;
  }
}

/** What the idle watchdog knows of the turn: the phase after the last line (observe-turn-lines.ts). */
interface Watch {
  phase: StreamPhase;
}

interface GuardLimits {
  requestTimeoutMs: number;
  streamIdleTimeoutMs: number;
  streamQuietTimeoutMs: number;
}

/**
 * The CLI's stdout lines under the guards below, without its own requests (MCP messages for the client's tools,
 * permission prompts): those are answered on its stdin here.
 */
async function* outputLines(child: ClaudeProcess, signal: AbortSignal, limits: GuardLimits, tools: readonly ClientTool[], watch: Watch): AsyncGenerator<string> {
  for await (const line of guardLines(child.lines(), signal, limits, watch)) {
    watch.phase = phaseAfterLine(watch.phase, line);
    // Not by prefix: the CLI's key order is not stable between versions.
    if (line.includes('"type":"control_request"') && isControlRequestLine(line)) answerControlRequest(child, line, tools);
    else yield line;
  }
}

/** The silence allowed before the next line, and the setting that sets it, for the phase the turn is in. */
function idleLimit(watch: Watch, limits: GuardLimits, first: boolean): { ms: number; what: string } {
  // Before its first line the CLI is starting up (slow on a loaded machine), not waiting on upstream.
  if (first) return { ms: Math.max(limits.streamQuietTimeoutMs, STARTUP_ALLOWANCE_MS), what: 'STREAM_QUIET_TIMEOUT_MS, while the CLI started' };
  return watch.phase === 'text'
    ? { ms: limits.streamIdleTimeoutMs, what: 'STREAM_IDLE_TIMEOUT_MS, while the model was writing text' }
    : { ms: limits.streamQuietTimeoutMs, what: 'STREAM_QUIET_TIMEOUT_MS, while the model read the prompt, thought or wrote a tool call' };
}

/**
 * Yields the lines while enforcing the request timeout, the idle watchdog (the CLI itself does not notice a
 * stalled upstream for minutes) and the signal (the client's disconnect, or the server shutting down). The idle
 * clock only runs while waiting on the CLI, not while the consumer writes to a slow client.
 */
async function* guardLines(lines: AsyncIterableIterator<string>, signal: AbortSignal, limits: GuardLimits, watch: Watch): AsyncGenerator<string> {
  let fail: (error: Error) => void = () => undefined;
  const stopped = new Promise<never>((_, reject) => {
    fail = reject;
  });
  stopped.catch(() => undefined);
  const onAbort = (): void => fail(errorOfAbort(signal));
  signal.addEventListener('abort', onAbort, { once: true });
  if (signal.aborted) onAbort();
  const requestTimer = setTimeout(
    () => fail(new ProxyError('timeout', `the request took longer than REQUEST_TIMEOUT_MS (${limits.requestTimeoutMs} ms)`)),
    limits.requestTimeoutMs,
  );
  let idleTimer: NodeJS.Timeout | undefined;
  let first = true;
  try {
    while (true) {
      const limit = idleLimit(watch, limits, first);
      idleTimer = setTimeout(() => fail(new ProxyError('timeout', `no output from the model for ${limit.ms} ms (${limit.what}): the upstream stream stalled`)), limit.ms);
      const next = await Promise.race([lines.next(), stopped]);
      clearTimeout(idleTimer);
      first = false;
      if (next.done === true) return;
      yield next.value;
    }
  } finally {
    clearTimeout(idleTimer);
    clearTimeout(requestTimer);
    signal.removeEventListener('abort', onAbort);
    // The reader is not closed: it is the process's only one, and a kept process is read again next turn.
  }
}
