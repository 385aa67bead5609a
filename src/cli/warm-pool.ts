/**
 * @module
 * CLI processes started ahead of time (stream-json input: they wait on stdin), keyed by everything that must be
 * fixed at spawn (command, argv, env, cwd). A request with the same key skips the CLI's ~0.5 s start-up; its system
 * prompt, tools, history and prompt all go over stdin. Each process serves one turn and is then ended: it is never
 * reused after a turn, an interrupt, a tool stop or an error. Used keys are refilled after their turn (not during,
 * so the refill does not compete with the request for CPU); idle processes are recycled after `idleMs`.
 */
import { LATE_ENV_VARIABLES, type CliInvocation } from './build-cli-invocation.ts';
import { ClaudeProcess } from './claude-process.ts';

interface WarmProcess {
  /** Everything fixed at spawn except the variables a process can take late. */
  baseKey: string;
  lateEnv: Record<string, string>;
  process: ClaudeProcess;
  timer: NodeJS.Timeout;
}

export type SpawnSettings = Pick<CliInvocation, 'command' | 'args' | 'env' | 'cwd'>;

export interface TakenProcess {
  process: ClaudeProcess;
  /** False: started with other max_tokens/effort; the caller writes the late settings step first. */
  exact: boolean;
}

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

  /** The idle processes themselves (to kill them at once when the proxy must exit now). */
  idleProcesses(): ClaudeProcess[] {
    return this.idle.map((entry) => entry.process);
  }

  idlePids(): number[] {
    return this.idle.flatMap((entry) => (entry.process.pid != null ? [entry.process.pid] : []));
  }

  /**
   * A ready process for these settings, if one is idle: one started with exactly these settings, else one that
   * can be given this request's max_tokens and effort late (it must not carry values the request leaves unset).
   */
  take(settings: SpawnSettings): TakenProcess | undefined {
    const baseKey = baseKeyOf(settings);
    const wanted = lateEnvOf(settings.env);
    const candidates = this.idle.filter((entry) => entry.baseKey === baseKey && entry.process.running);
    const exact = candidates.find((entry) => sameEnv(entry.lateEnv, wanted));
    const adaptable = exact ?? candidates.find((entry) => Object.keys(entry.lateEnv).every((name) => wanted[name] != null));
    if (adaptable == null) return undefined;
    this.forget(adaptable);
    return { process: adaptable.process, exact: adaptable === exact };
  }

  /** Starts a process for these settings, making room by ending the oldest idle one. */
  fill(settings: SpawnSettings): void {
    if (this.size === 0) return;
    while (this.idle.length >= this.size) this.end(this.idle[0]!);
    const process = new ClaudeProcess(settings);
    const entry: WarmProcess = {
      baseKey: baseKeyOf(settings),
      lateEnv: lateEnvOf(settings.env),
      process,
      timer: setTimeout(() => this.end(entry), this.idleMs),
    };
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

const LATE = new Set<string>(LATE_ENV_VARIABLES);

function baseKeyOf(settings: SpawnSettings): string {
  const env = Object.entries(settings.env).filter(([name]) => !LATE.has(name));
  return JSON.stringify([settings.command, settings.args, env.sort(), settings.cwd]);
}

function lateEnvOf(env: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter(([name]) => LATE.has(name)));
}

function sameEnv(a: Record<string, string>, b: Record<string, string>): boolean {
  const names = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...names].every((name) => a[name] === b[name]);
}
