/**
 * @module
 * CLI processes started ahead of time (stream-json input: they wait on stdin), keyed by everything that must be
 * fixed at spawn (command, argv, env, cwd). A request with the same key skips the CLI's ~0.5 s start-up; its system
 * prompt, tools, history and prompt all go over stdin. Each process serves one turn and is then ended: it is never
 * reused after a turn, an interrupt, a tool stop or an error (the runner refills the key it took from). When full,
 * a fill makes room by ending a spare process (one whose settings have another waiting) or else the one whose
 * settings were used least recently: the only warm process of a busy setting is never the one to go. Idle
 * processes are recycled after `idleMs`.
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
  /** When each setting (base key) was last taken or filled: a monotonically increasing counter. */
  private readonly lastUsed = new Map<string, number>();
  private uses = 0;

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
    this.touch(baseKey);
    const wanted = lateEnvOf(settings.env);
    const candidates = this.idle.filter((entry) => entry.baseKey === baseKey && entry.process.running);
    const exact = candidates.find((entry) => sameEnv(entry.lateEnv, wanted));
    const adaptable = exact ?? candidates.find((entry) => Object.keys(entry.lateEnv).every((name) => wanted[name] != null));
    if (adaptable == null) return undefined;
    this.forget(adaptable);
    return { process: adaptable.process, exact: adaptable === exact };
  }

  /** Starts a process for these settings, making room (leastUseful); its pid, or undefined when none was started. */
  fill(settings: SpawnSettings): number | undefined {
    if (this.size === 0) return undefined;
    const baseKey = baseKeyOf(settings);
    this.touch(baseKey);
    if (this.idle.length >= this.size) {
      // Ending one process of these settings to start another would only cost a start-up (a burst's refills).
      const victim = this.leastUseful();
      if (victim.baseKey === baseKey) return undefined;
      this.end(victim);
    }
    const process = new ClaudeProcess(settings);
    const entry: WarmProcess = {
      baseKey,
      lateEnv: lateEnvOf(settings.env),
      process,
      timer: setTimeout(() => this.end(entry), this.idleMs),
    };
    entry.timer.unref();
    this.idle.push(entry);
    void process.exited.then(() => this.forget(entry));
    return process.pid;
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

  /** The oldest spare process (its settings have another one waiting), else the oldest of the least recently used setting. */
  private leastUseful(): WarmProcess {
    const spare = this.idle.find((entry) => this.idle.some((other) => other !== entry && other.baseKey === entry.baseKey));
    if (spare != null) return spare;
    return this.idle.reduce((least, entry) => ((this.lastUsed.get(entry.baseKey) ?? 0) < (this.lastUsed.get(least.baseKey) ?? 0) ? entry : least));
  }

  private touch(baseKey: string): void {
    this.uses += 1;
    // Re-inserted so the map stays in order of use and can be trimmed from its start.
    this.lastUsed.delete(baseKey);
    this.lastUsed.set(baseKey, this.uses);
    if (this.lastUsed.size > 64) this.lastUsed.delete(this.lastUsed.keys().next().value!);
  }

  /** Ends the idle process with this pid (the memory budget). */
  endPid(pid: number): void {
    const entry = this.idle.find((candidate) => candidate.process.pid === pid);
    if (entry != null) this.end(entry);
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
