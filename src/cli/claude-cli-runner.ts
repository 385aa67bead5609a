/**
 * @module
 * Runs turns on `claude` processes, putting the parts together: a slot (concurrency-gate.ts), a process and what to
 * tell it (acquire-process.ts: kept, warm or cold), the stdin replay (feed-stdin.ts), the guarded, parsed output
 * (guard-lines.ts, cli-lines.ts) with the CLI's control requests answered (answer-control-request.ts), and the end of
 * the turn: the process is ended (disconnect, timeout, crash) unless its turn ended cleanly and it is kept for the
 * conversation's next turn, and the warm pool is refilled.
 */
import { randomUUID } from 'node:crypto';
import { availableParallelism } from 'node:os';
import type { Config } from '../config.ts';
import { errorOfAbort, ProxyError } from '../errors.ts';
import { plainTurnRequest, type ClientTool, type TurnRequest } from '../core/turn-request.ts';
import { acquireProcess } from './acquire-process.ts';
import { buildCliInvocation, hasOneCallLimit, type CliInvocation } from './build-cli-invocation.ts';
import { ClaudeProcess } from './claude-process.ts';
import type { CliControlRequestLine, CliLine } from './cli-lines.ts';
import type { CliRunner, ProcessKind, RunnerStats, RunOptions } from './cli-runner.ts';
import { ConcurrencyGate } from './concurrency-gate.ts';
import { localDay, ParkedConversations, type HeldCalls } from './conversation-affinity.ts';
import { StdinFeeder } from './feed-stdin.ts';
import { clientViewOf, heldCallsOf } from './held-tool-calls.ts';
import { mapCliExitError } from './map-cli-error.ts';
import {
  announcedModelOf,
  answerIsContinuable,
  createTurnObservation,
  observeTurnLine,
  resultAllowsContinuing,
  type TurnObservation,
} from './observe-turn-lines.ts';
import { memoryByKind, processesOverBudget, type IdleProcess } from './idle-memory-budget.ts';
import { residentMbOf } from './read-resident-memory.ts';
import { outputLines } from './read-cli-output.ts';
import { asksAgainAfter, continuesConversation, MESSAGE_STOP_LINE, rewindAnswer, stopReasonOfLine } from './turn-end-rules.ts';
import { WarmPool } from './warm-pool.ts';
import { McpConfigFiles } from './mcp-config-files.ts';
import { resolveMcpServers } from '../core/mcp-servers.ts';

/** The proxy's settings the runner reads. */
type RunnerConfig = Pick<
  Config,
  | 'claudePath'
  | 'requestTimeoutMs'
  | 'streamIdleTimeoutMs'
  | 'streamQuietTimeoutMs'
  | 'maxConcurrent'
  | 'queueTimeoutMs'
  | 'warmPoolSize'
  | 'warmIdleMs'
  | 'affinitySize'
  | 'affinityIdleMs'
  | 'idleMemoryMb'
  | 'mcpServers'
  | 'mcpAllowedUrls'
>;

export interface ClaudeCliRunnerSettings extends RunnerConfig {
  /** Empty private directory the CLI runs in. */
  cwd: string;
  /** The context-filter plugin's directory (private-work-directory.ts), given to every process. */
  pluginDirectory?: string | undefined;
  environment: Record<string, string | undefined>;
}

/** A rewind refused with "turn running" is asked again this often, up to this many times (the CLI is closing a turn). */
const REWIND_RETRY_MS = 10;
const REWIND_RETRIES = 100;

/** Writes the awaited step again after a pause; past the retry limit the turn fails as for any other refusal. */
async function repeatShortly(input: StdinFeeder, attempt: number): Promise<void> {
  if (attempt > REWIND_RETRIES)
    throw new ProxyError('api_error', 'The CLI could not rewind the conversation for this request (turn running); retry it', { status: 500 });
  await new Promise((resolve) => setTimeout(resolve, REWIND_RETRY_MS));
  input.repeatAwaited();
}

/** After message_stop the CLI prints its `result` line at once (measured: under 5 ms); a process that does not is ended. */
const RESULT_WAIT_MS = 5_000;
/** How often the idle processes' memory is checked against IDLE_MEMORY_MB besides when one is added. */
const BUDGET_CHECK_MS = 5_000;
/** Turns running at once up to which a taken warm process is replaced at once (half the cores, at least one). */
const LIGHT_LOAD_TURNS = Math.max(1, Math.floor(availableParallelism() / 2));
/** A tool for the warm processes started for tool requests: only its presence matters at spawn (the flags). */
const PREWARM_TOOL: ClientTool = { name: 'prewarm', description: undefined, inputSchema: { type: 'object' } };

/** The runner's settings from the proxy's config, the CLI's directory and the environment it inherits. */
export function runnerSettings(
  config: RunnerConfig,
  cwd: string,
  environment: Record<string, string | undefined>,
  pluginDirectory?: string,
): ClaudeCliRunnerSettings {
  return { ...config, cwd, pluginDirectory, environment };
}

export class ClaudeCliRunner implements CliRunner {
  /** Processes serving a turn (warm ones waiting in the pool are not counted). */
  private readonly live = new Set<ClaudeProcess>();
  private readonly gate: ConcurrencyGate;
  private readonly pool: WarmPool;
  private readonly conversations: ParkedConversations;
  /** Turns by how their process was found, since start. */
  private readonly servedBy: Record<ProcessKind, number> = { held: 0, kept: 0, rewound: 0, warm: 0, 'warm-late-settings': 0, cold: 0 };
  /** The local day of each process's first turn: the date the CLI wrote into its conversation. */
  private readonly firstTurnDay = new WeakMap<ClaudeProcess, string>();
  /** Set once the server shuts down: nothing more is started ahead of time or kept. */
  private draining = false;
  private readonly budgetTimer: NodeJS.Timeout;
  private readonly mcpFiles = new McpConfigFiles();

  constructor(private readonly settings: ClaudeCliRunnerSettings) {
    this.gate = new ConcurrencyGate(settings.maxConcurrent, settings.queueTimeoutMs);
    this.pool = new WarmPool(settings.warmPoolSize, settings.warmIdleMs);
    this.conversations = new ParkedConversations(settings.affinitySize, settings.affinityIdleMs);
    // Processes grow after they start (a warm one to about 200 MB): checked again now and then, not only when one is added.
    this.budgetTimer = setInterval(() => this.keepWithinBudget(undefined), BUDGET_CHECK_MS);
    this.budgetTimer.unref();
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
      idleMemory: { budgetMb: this.settings.idleMemoryMb, ...memoryByKind(this.idleProcesses()) },
      affinity: {
        size: this.conversations.capacity,
        kept: this.conversations.count,
        held: this.conversations.heldCount,
        continued: this.servedBy.kept,
        heldContinued: this.servedBy.held,
        rewound: this.servedBy.rewound,
      },
    };
  }

  /** Pids of the idle warm processes. */
  warmPids(): number[] {
    return this.pool.idlePids();
  }

  /** Idle processes with their memory: warm ones, then kept and held ones, oldest first within each. */
  private idleProcesses(): IdleProcess[] {
    return [
      ...this.pool.idlePids().map((pid) => ({ pid, kind: 'warm' as const, residentMb: residentMbOf(pid) })),
      ...this.conversations.entries().map(({ pid, held }) => ({ pid, kind: held ? ('held' as const) : ('kept' as const), residentMb: residentMbOf(pid) })),
    ];
  }

  /** Ends the least useful idle processes while they use more than IDLE_MEMORY_MB (idle-memory-budget.ts). */
  private keepWithinBudget(newest: number | undefined): void {
    for (const entry of processesOverBudget(this.idleProcesses(), this.settings.idleMemoryMb, newest)) {
      if (entry.kind === 'warm') this.pool.endPid(entry.pid);
      else this.conversations.endPid(entry.pid);
    }
  }

  /** Starts a warm process for these settings, within the memory budget. */
  private fill(invocation: CliInvocation): void {
    this.keepWithinBudget(this.pool.fill(invocation));
  }

  /** Pids of the processes kept for a conversation's next turn. */
  keptPids(): number[] {
    return this.conversations.pids();
  }

  /** Fills the pool for the most common request: this model, defaults for everything else, under this login. */
  prewarm(model: string, environment?: RunOptions['environment']): void {
    if (this.draining) return;
    // Half for requests with tools (what agents send: another command line), half without; the pool then follows
    // the settings the traffic uses (each turn refills its own).
    const plain = this.invocationFor(plainTurnRequest(model), undefined, environment);
    const withTools = this.invocationFor(plainTurnRequest(model, { tools: [PREWARM_TOOL] }), undefined, environment);
    for (let count = 0; count < this.settings.warmPoolSize; count += 1) this.fill(count % 2 === 0 ? plain : withTools);
  }

  drain(error: Error): void {
    this.draining = true;
    this.gate.close(error);
  }

  async shutdown(): Promise<void> {
    this.draining = true;
    clearInterval(this.budgetTimer);
    await Promise.all([this.pool.shutdown(), this.conversations.shutdown(), ...[...this.live].map((child) => child.terminate())]);
    this.mcpFiles.remove();
  }

  /** SIGKILL to every CLI process this runner started, now (the proxy is exiting without a graceful end). */
  killAll(): void {
    for (const child of [...this.live, ...this.pool.idleProcesses(), ...this.conversations.processes()]) child.kill();
  }

  private invocationFor(request: TurnRequest, announcedModel?: () => string | undefined, environment?: RunOptions['environment']) {
    // Unknown server names and URLs the operator does not allow are a 400 here, before a slot or a process is taken.
    const servers = resolveMcpServers(request.mcpServers, this.settings.mcpServers, this.settings.mcpAllowedUrls);
    return buildCliInvocation(request, {
      claudePath: this.settings.claudePath,
      cwd: this.settings.cwd,
      environment: environment != null ? { ...this.settings.environment, ...environment } : this.settings.environment,
      newId: randomUUID,
      pluginDirectory: this.settings.pluginDirectory,
      announcedModel,
      mcp: servers.length > 0 ? { configPath: this.mcpFiles.pathFor(servers), serverNames: servers.map((server) => server.name) } : undefined,
    });
  }

  async *run(request: TurnRequest, options: RunOptions): AsyncIterable<CliLine> {
    if (options.signal.aborted) throw errorOfAbort(options.signal);
    // Invalid requests fail here, before they take a slot or a process.
    const announced: { model?: string } = {};
    const invocation = this.invocationFor(request, () => announced.model, options.environment);
    const queuedAt = performance.now();
    const release = await this.gate.acquire(options.signal);
    let child: ClaudeProcess | undefined;
    let kind: ProcessKind | undefined;
    let failed = false;
    let refilled = false;
    let rewindRetries = 0;
    /** Killed at its stop reason, before it could ask the model again on its own. */
    let stoppedEarly = false;
    let stopWatch: (() => void) | undefined;
    const observation = createTurnObservation();
    /** Permission prompts of this turn left unanswered: the calls a held process will be waiting on. */
    const prompts: CliControlRequestLine[] = [];
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
      // A warm process taken under light load is replaced at once, ready by the end of this turn (a model call takes
      // seconds); under load, after the turn, so that replacements do not slow the turns that are starting.
      refilled = (kind === 'warm' || kind === 'warm-late-settings') && this.gate.inUse <= LIGHT_LOAD_TURNS;
      if (refilled) this.fill(invocation);
      this.servedBy[kind] += 1;
      const continuing = continuesConversation(kind);
      this.live.add(cli);
      if (!continuing) this.firstTurnDay.set(cli, localDay());
      options.log.debug({ pid: cli.pid, process: kind, model: request.model, messages: request.messages.length }, 'claude turn started');
      if (!continuing) {
        void cli.exited.then((exit) => {
          this.live.delete(cli);
          options.log.debug({ pid: cli.pid, ...exit, spawnError: exit.spawnError?.message }, 'claude exited');
        });
      }
      const stderrMark = cli.stderrMark;
      const input = new StdinFeeder((line) => cli.writeLine(line), acquired.steps);
      // Without the one-call limit the CLI asks the model again by itself about 30 ms after a message that stopped for
      // another reason than a tool call or the end (after max_tokens: "Output token limit hit. Resume directly",
      // measured): killed as that line is read, not when the consumer gets to it (a loaded machine lost that race).
      stopWatch = hasOneCallLimit(request)
        ? undefined
        : cli.onLine((text) => {
            if (stoppedEarly || input.replaying || !asksAgainAfter(request, stopReasonOfLine(text))) return;
            stoppedEarly = true;
            cli.kill();
          });
      input.writeUntilAck();
      let first = true;
      const answering = { tools: request.tools, answers: acquired.answers, unanswered: prompts };
      for await (const line of outputLines(cli, options.signal, this.settings, answering, { phase: 'quiet' })) {
        if (first) {
          first = false;
          options.onRunEvent?.({ type: 'first_line', sinceAcquiredMs: performance.now() - acquiredAt });
        }
        // While history is being replayed, the CLI's lines are acknowledgements, not the answer.
        if (input.replaying) {
          announced.model = announcedModelOf(line) ?? announced.model;
          const rewind = rewindAnswer(line);
          if (line.type === 'result' || rewind === 'rewound') input.acknowledge();
          else if (rewind === 'busy') await repeatShortly(input, (rewindRetries += 1));
          continue;
        }
        observeTurnLine(observation, line);
        yield line;
      }
      // Stopped at its stop reason before it printed message_stop: the message is whole all the same.
      if (stoppedEarly && !observation.endedAtMessageStop) {
        yield MESSAGE_STOP_LINE;
        return;
      }
      // stdout ended while the consumer still waited for the result line.
      throw mapCliExitError(await cli.exited, cli.stderrSince(stderrMark), this.settings.claudePath);
    } catch (error) {
      failed = true;
      throw error;
    } finally {
      stopWatch?.();
      // The consumer has what it needs (or gave up). The process is ended, or kept when the conversation can go on:
      // after a finished answer, for the next user message; after tool calls, waiting on them for their results.
      const clean = !failed && !options.signal.aborted && !this.draining;
      if (child != null) {
        const held = clean && this.conversations.enabled ? this.callsHeldOn(request, observation, prompts) : undefined;
        // The last user message was written as this turn's prompt line, unless it was tool results given to held calls.
        const promptUuid = kind !== 'held' ? invocation.promptUuid : undefined;
        if (held != null) {
          this.park(child, invocation, request, observation, held);
        } else if (clean && this.conversations.enabled && answerIsContinuable(observation)) {
          void this.keepForNextTurn(child, invocation, request, observation, promptUuid);
        } else if (!hasOneCallLimit(request)) {
          // Without the one-call limit the CLI asks the model again by itself within milliseconds after max_tokens,
          // or after a cut answer (a call of an undeclared tool, the first of parallel calls, a stop sequence).
          child.kill();
        } else {
          void child.terminate();
        }
      }
      release();
      // The next request with these settings finds a warm process; not after a failure (not logged in, upstream
      // down, a stall): a replacement would likely fail the same way. A kept or held process took no warm one.
      if (clean && !refilled && (kind == null || !continuesConversation(kind))) this.fill(invocation);
    }
  }

  /**
   * The client tool calls a finished turn leaves its process waiting on, or undefined. Only a process started for
   * tools (the permission prompt on stdio, no one-call limit) and without a schema (its own tool) can go on.
   */
  private callsHeldOn(request: TurnRequest, observation: TurnObservation, prompts: readonly CliControlRequestLine[]): HeldCalls | undefined {
    // A turn with MCP servers may have run their calls in its rounds: the client's next request is a replay.
    if (hasOneCallLimit(request) || !observation.endedAtMessageStop || request.mcpServers.length > 0) return undefined;
    const calls = heldCallsOf(observation.reply, observation.stopReason);
    if (calls == null) return undefined;
    const ids = new Set(calls.map((call) => call.id));
    return { calls, prompts: prompts.filter((prompt) => prompt.request.tool_use_id != null && ids.has(prompt.request.tool_use_id)) };
  }

  /** Keeps a process for the conversation's next request: the CLI holds the conversation, its answer included. */
  private park(
    child: ClaudeProcess,
    invocation: CliInvocation,
    request: TurnRequest,
    observation: TurnObservation,
    held?: HeldCalls,
    promptUuid?: string,
  ): void {
    this.live.delete(child);
    this.conversations.park(
      conversationSettings(invocation, request),
      [...invocation.conversation, { role: 'assistant', content: clientViewOf(observation.reply) }],
      child,
      this.firstTurnDay.get(child) ?? localDay(),
      held,
      promptUuid,
    );
    this.keepWithinBudget(child.pid);
  }

  /** Reads the turn's `result` line; keeps the process when the model's answer ended cleanly, else ends it. */
  private async keepForNextTurn(
    child: ClaudeProcess,
    invocation: CliInvocation,
    request: TurnRequest,
    observation: TurnObservation,
    promptUuid: string | undefined,
  ): Promise<void> {
    try {
      const answering = { tools: request.tools, answers: undefined, unanswered: [] };
      for await (const line of outputLines(child, AbortSignal.timeout(RESULT_WAIT_MS), this.settings, answering, { phase: 'quiet' })) {
        if (line.type !== 'result') continue;
        if (!resultAllowsContinuing(line) || this.draining) break;
        this.park(child, invocation, request, observation, undefined, promptUuid);
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
