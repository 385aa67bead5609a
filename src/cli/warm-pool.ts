/**
 * @module
 * CLI processes started ahead of time (stream-json input: they wait on stdin), keyed by everything that must be
 * fixed at spawn (command, argv, env, cwd). A request with the same key skips the CLI's ~0.5 s start-up; its system
 * prompt, tools, history and prompt all go over stdin. Each process serves one turn and is then ended: it is never
 * reused after a turn, an interrupt, a tool stop or an error. Used keys are refilled after their turn (not during,
 * so the refill does not compete with the request for CPU); idle processes are recycled after `idleMs`.
 */
import type { CliInvocation } from './build-cli-invocation.ts';
import { ClaudeProcess } from './claude-process.ts';

interface WarmProcess {
  key: string;
  process: ClaudeProcess;
  timer: NodeJS.Timeout;
}

export type SpawnSettings = Pick<CliInvocation, 'command' | 'args' | 'env' | 'cwd'>;

export class WarmPool {
  /** Idle processes, oldest first. */
  private readonly idle: WarmProcess[] = [];

  constructor(
    private readonly size: number,
    private readonly idleMs: number,
  ) {}

  get idleCount(): number {
    return this.idle.length;
  }

  get capacity(): number {
    return this.size;
  }

  idlePids(): number[] {
    return this.idle.flatMap((entry) => (entry.process.pid != null ? [entry.process.pid] : []));
  }

  /** A ready process for these settings, if one is idle. */
  take(settings: SpawnSettings): ClaudeProcess | undefined {
    const key = keyOf(settings);
    for (let index = this.idle.length - 1; index >= 0; index -= 1) {
      const entry = this.idle[index]!;
      if (entry.key !== key) continue;
      this.idle.splice(index, 1);
      clearTimeout(entry.timer);
      if (entry.process.running) return entry.process;
    }
    return undefined;
  }

  /** Starts a process for these settings, making room by ending the oldest idle one. */
  fill(settings: SpawnSettings): void {
    if (this.size === 0) return;
    while (this.idle.length >= this.size) this.end(this.idle[0]!);
    const process = new ClaudeProcess(settings);
    const entry: WarmProcess = { key: keyOf(settings), process, timer: setTimeout(() => this.end(entry), this.idleMs) };
    entry.timer.unref();
    this.idle.push(entry);
    void process.exited.then(() => this.forget(entry));
  }

  async shutdown(): Promise<void> {
    const entries = this.idle.splice(0);
    await Promise.all(
      entries.map((entry) => {
        clearTimeout(entry.timer);
        return entry.process.terminate();
      }),
    );
  }

  private end(entry: WarmProcess): void {
    this.forget(entry);
    void entry.process.terminate();
  }

  private forget(entry: WarmProcess): void {
    clearTimeout(entry.timer);
    const index = this.idle.indexOf(entry);
    if (index >= 0) this.idle.splice(index, 1);
  }
}

function keyOf(settings: SpawnSettings): string {
  return JSON.stringify([settings.command, settings.args, Object.entries(settings.env).sort(), settings.cwd]);
}
