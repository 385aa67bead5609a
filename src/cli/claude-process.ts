/**
 * @module
 * One `claude` child process: spawned in its own process group (so a kill reaches anything it started),
 * stdout read as lines, stderr always drained (a full pipe would block the child), killed with SIGTERM then
 * SIGKILL after a grace period.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface, type Interface } from 'node:readline';
import type { CliInvocation } from './build-cli-invocation.ts';

export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  spawnError?: Error;
}

const STDERR_KEPT_BYTES = 4096;
export const KILL_GRACE_MS = 2000;

export class ClaudeProcess {
  readonly exited: Promise<ProcessExit>;
  private readonly child: ChildProcessWithoutNullStreams;
  private stderrTail = '';
  /** Characters written to stderr over the process's life (the tail keeps only the last ones). */
  private stderrWritten = 0;
  private hasExited = false;
  private stdoutLines: AsyncIterableIterator<string> | undefined;
  private stdoutReader: Interface | undefined;

  constructor(invocation: Pick<CliInvocation, 'command' | 'args' | 'env' | 'cwd'>) {
    this.child = spawn(invocation.command, invocation.args, {
      cwd: invocation.cwd,
      env: invocation.env,
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: process.platform !== 'win32',
      windowsHide: true,
    });
    this.child.stderr.setEncoding('utf8');
    this.child.stderr.on('data', (chunk: string) => {
      this.stderrTail = (this.stderrTail + chunk).slice(-STDERR_KEPT_BYTES);
      this.stderrWritten += chunk.length;
    });
    // EPIPE when the CLI exits before reading all of stdin: the exit is reported through `exited`.
    this.child.stdin.on('error', () => undefined);
    this.exited = new Promise((resolve) => {
      this.child.once('error', (error) => {
        this.hasExited = true;
        resolve({ code: null, signal: null, spawnError: error });
      });
      this.child.once('exit', (code, signal) => {
        this.hasExited = true;
        resolve({ code, signal });
      });
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get stderr(): string {
    return this.stderrTail;
  }

  /** A mark for stderrSince(): a process kept for several turns reports only what the failing turn wrote. */
  get stderrMark(): number {
    return this.stderrWritten;
  }

  /** What was written to stderr after the mark (as much of it as the tail still holds). */
  stderrSince(mark: number): string {
    return this.stderrTail.slice(Math.max(0, this.stderrTail.length - (this.stderrWritten - mark)));
  }

  get running(): boolean {
    return !this.hasExited;
  }

  /**
   * stdout, one line at a time; ends when the process closes stdout. Always the same reader: a process kept for
   * the conversation's next turn is read again by that turn, and no line may be lost in between.
   */
  lines(): AsyncIterableIterator<string> {
    this.stdoutLines ??= this.reader()[Symbol.asyncIterator]();
    return this.stdoutLines;
  }

  /**
   * Calls `listener` with each stdout line as soon as it is read, before lines() hands it on (which waits for its
   * consumer): for what must happen within milliseconds of a line whatever the consumer is doing. Returns the
   * function that stops the calls.
   */
  onLine(listener: (line: string) => void): () => void {
    // The iterator first: a line read before it existed would never reach lines().
    this.lines();
    const reader = this.reader();
    reader.on('line', listener);
    return () => reader.off('line', listener);
  }

  private reader(): Interface {
    this.stdoutReader ??= createInterface({ input: this.child.stdout, crlfDelay: Infinity });
    return this.stdoutReader;
  }

  writeLine(line: string): void {
    if (this.child.stdin.writable) this.child.stdin.write(`${line}\n`);
  }

  /** SIGTERM now, SIGKILL if still alive after the grace period; resolves when the process is gone. */
  async terminate(graceMs = KILL_GRACE_MS): Promise<ProcessExit> {
    if (this.hasExited) return this.exited;
    this.signal('SIGTERM');
    const timer = setTimeout(() => this.signal('SIGKILL'), graceMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  /** SIGKILL now, without waiting: the proxy is exiting and cannot wait any more. */
  kill(): void {
    this.signal('SIGKILL');
  }

  private signal(signal: NodeJS.Signals): void {
    const pid = this.child.pid;
    if (pid == null || this.hasExited) return;
    try {
      if (process.platform === 'win32') this.child.kill(signal);
      else process.kill(-pid, signal);
    } catch {
      // Already gone.
    }
  }
}
