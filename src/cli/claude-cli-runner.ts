/**
 * @module
 * Runs turns on cold `claude` processes: writes the history transcript, spawns, feeds stdin, relays stdout
 * lines under a request timeout and an idle watchdog, and always ends the process (disconnect, timeout, crash).
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ProxyError } from '../errors.ts';
import type { TurnRequest } from '../core/turn-request.ts';
import { buildCliInvocation } from './build-cli-invocation.ts';
import { buildTranscript, planConversation, transcriptDirectoryName } from './build-transcript.ts';
import { ClaudeProcess } from './claude-process.ts';
import type { CliRunner, RunOptions } from './cli-runner.ts';
import { mapCliExitError } from './map-cli-error.ts';

export interface ClaudeCliRunnerSettings {
  claudePath: string;
  /** Empty private directory the CLI runs in (resolved, no symlinks: the CLI derives the transcript folder from it). */
  cwd: string;
  environment: Record<string, string | undefined>;
  cliVersion: string;
  requestTimeoutMs: number;
  streamIdleTimeoutMs: number;
}

/** How long a starting CLI may take to print its first line (it prints `system/init` before calling upstream). */
const STARTUP_ALLOWANCE_MS = 30_000;

export class ClientDisconnectedError extends Error {
  override name = 'ClientDisconnectedError';
  constructor() {
    super('the client disconnected');
  }
}

export class ClaudeCliRunner implements CliRunner {
  private readonly live = new Set<ClaudeProcess>();

  constructor(private readonly settings: ClaudeCliRunnerSettings) {}

  activeCount(): number {
    return this.live.size;
  }

  async shutdown(): Promise<void> {
    await Promise.all([...this.live].map((child) => child.terminate()));
  }

  async *run(request: TurnRequest, options: RunOptions): AsyncIterable<string> {
    if (options.signal.aborted) throw new ClientDisconnectedError();
    const plan = planConversation(request.messages);
    const transcript = plan.history.length > 0 ? this.writeTranscript(plan.history) : undefined;
    const invocation = buildCliInvocation(request, plan.prompt, {
      claudePath: this.settings.claudePath,
      cwd: this.settings.cwd,
      environment: this.settings.environment,
      resumeSessionId: transcript?.sessionId,
    });
    const child = new ClaudeProcess(invocation);
    this.live.add(child);
    options.log.debug({ pid: child.pid, model: request.model, history: plan.history.length }, 'claude started');
    void child.exited.then((exit) => {
      this.live.delete(child);
      if (transcript != null) rmSync(transcript.path, { force: true });
      options.log.debug({ pid: child.pid, ...exit, spawnError: exit.spawnError?.message }, 'claude exited');
    });
    try {
      for (const line of invocation.stdinLines) child.writeLine(line);
      // Cold process: with stdin closed the CLI answers this one message and exits.
      child.endInput();
      yield* guardLines(child.lines(), options.signal, this.settings);
      // stdout ended while the consumer still waited for the result line.
      throw mapCliExitError(await child.exited, child.stderr, this.settings.claudePath);
    } finally {
      // The consumer has what it needs (or gave up): nothing more is wanted from this process.
      void child.terminate();
    }
  }

  private writeTranscript(history: TurnRequest['messages']): { sessionId: string; path: string } {
    const sessionId = randomUUID();
    const home = this.settings.environment.HOME ?? homedir();
    const directory = join(home, '.claude', 'projects', transcriptDirectoryName(this.settings.cwd));
    mkdirSync(directory, { recursive: true, mode: 0o700 });
    const path = join(directory, `${sessionId}.jsonl`);
    const text = buildTranscript(history, {
      sessionId,
      cwd: this.settings.cwd,
      cliVersion: this.settings.cliVersion,
      timestamp: new Date().toISOString(),
      newUuid: randomUUID,
    });
    writeFileSync(path, text, { mode: 0o600 });
    return { sessionId, path };
  }
}

/**
 * Yields the lines while enforcing the request timeout, the idle watchdog (the CLI itself does not notice a
 * stalled upstream for minutes) and the client's abort. The idle clock only runs while waiting on the CLI,
 * not while the consumer writes to a slow client.
 */
async function* guardLines(
  lines: AsyncIterableIterator<string>,
  signal: AbortSignal,
  limits: { requestTimeoutMs: number; streamIdleTimeoutMs: number },
): AsyncGenerator<string> {
  let fail: (error: Error) => void = () => undefined;
  const stopped = new Promise<never>((_, reject) => {
    fail = reject;
  });
  stopped.catch(() => undefined);
  const onAbort = (): void => fail(new ClientDisconnectedError());
  signal.addEventListener('abort', onAbort, { once: true });
  const requestTimer = setTimeout(
    () => fail(new ProxyError('timeout', `the request took longer than REQUEST_TIMEOUT_MS (${limits.requestTimeoutMs} ms)`)),
    limits.requestTimeoutMs,
  );
  let idleTimer: NodeJS.Timeout | undefined;
  let first = true;
  try {
    while (true) {
      // Before its first line the CLI is starting up (slow on a loaded machine), not waiting on upstream.
      const idleMs = first ? Math.max(limits.streamIdleTimeoutMs, STARTUP_ALLOWANCE_MS) : limits.streamIdleTimeoutMs;
      idleTimer = setTimeout(
        () => fail(new ProxyError('timeout', `no output from the model for ${idleMs} ms (STREAM_IDLE_TIMEOUT_MS): the upstream stream stalled`)),
        idleMs,
      );
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
    void lines.return?.();
  }
}
