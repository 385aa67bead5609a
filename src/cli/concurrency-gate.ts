/**
 * @module
 * At most `limit` turns use a CLI process at once; the rest wait in order, for at most `queueTimeoutMs`, then get a
 * 429 with retry-after. A streaming turn holds its slot until its stream ends.
 */
import { errorOfAbort, ProxyError } from '../errors.ts';

interface Waiter {
  grant: () => void;
  fail: (error: Error) => void;
}

export class ConcurrencyGate {
  private active = 0;
  private readonly waiting: Waiter[] = [];
  /** Set when the server shuts down: queued and later turns fail with it. */
  private closedWith: Error | undefined;

  constructor(
    private readonly limit: number,
    private readonly queueTimeoutMs: number,
  ) {}

  get inUse(): number {
    return this.active;
  }

  get queued(): number {
    return this.waiting.length;
  }

  /** Resolves with a release function once a slot is free; rejects on timeout or abort. */
  async acquire(signal: AbortSignal): Promise<() => void> {
    if (this.closedWith != null) throw this.closedWith;
    if (this.active < this.limit && this.waiting.length === 0) return this.take();
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        grant: () => {
          cleanup();
          resolve(this.take());
        },
        fail: (error) => {
          cleanup();
          reject(error);
        },
      };
      const timer = setTimeout(() => {
        this.remove(waiter);
        waiter.fail(
          new ProxyError(
            'rate_limit',
            `all ${this.limit} Claude CLI slots are busy (MAX_CONCURRENT) and the request waited ${this.queueTimeoutMs} ms (QUEUE_TIMEOUT_MS)`,
            {
              retryAfterSeconds: Math.max(1, Math.ceil(this.queueTimeoutMs / 10_000)),
            },
          ),
        );
      }, this.queueTimeoutMs);
      const onAbort = (): void => {
        this.remove(waiter);
        waiter.fail(errorOfAbort(signal));
      };
      const cleanup = (): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(waiter);
    });
  }

  /** No more slots: every waiting turn fails with `error` now, and so does every later one. Running turns go on. */
  close(error: Error): void {
    this.closedWith = error;
    for (const waiter of this.waiting.splice(0)) waiter.fail(error);
  }

  private take(): () => void {
    this.active += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.active -= 1;
      this.waiting.shift()?.grant();
    };
  }

  private remove(waiter: Waiter): void {
    const index = this.waiting.indexOf(waiter);
    if (index >= 0) this.waiting.splice(index, 1);
  }
}
