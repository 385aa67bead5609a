/**
 * @module
 * The guards on a turn's output: the request timeout, the idle watchdog (the CLI itself does not notice a stalled
 * upstream for minutes) and the turn's signal (the client's disconnect, or the server's shutdown). The idle limit
 * depends on what the model is doing (observe-turn-lines.ts: text streams are judged quickly, quiet phases slowly),
 * and only the time spent waiting on the CLI counts, not the time the consumer spends writing to a slow client.
 */
import { errorOfAbort, ProxyError } from '../errors.ts';
import type { StreamPhase } from './observe-turn-lines.ts';

/** How long a starting CLI may take to print its first line (it prints `system/init` before calling upstream). */
export const STARTUP_ALLOWANCE_MS = 30_000;

export interface GuardLimits {
  requestTimeoutMs: number;
  streamIdleTimeoutMs: number;
  streamQuietTimeoutMs: number;
}

/** What the watchdog knows of the turn: the phase after the last line, updated by the reader. */
export interface Watch {
  phase: StreamPhase;
}

/** The silence allowed before the next line, and the setting that sets it, for the phase the turn is in. */
export function idleLimit(watch: Watch, limits: GuardLimits, first: boolean): { ms: number; what: string } {
  // Before its first line the CLI is starting up (slow on a loaded machine), not waiting on upstream.
  if (first) return { ms: Math.max(limits.streamQuietTimeoutMs, STARTUP_ALLOWANCE_MS), what: 'STREAM_QUIET_TIMEOUT_MS, while the CLI started' };
  return watch.phase === 'text'
    ? { ms: limits.streamIdleTimeoutMs, what: 'STREAM_IDLE_TIMEOUT_MS, while the model was writing text' }
    : { ms: limits.streamQuietTimeoutMs, what: 'STREAM_QUIET_TIMEOUT_MS, while the model read the prompt, thought or wrote a tool call' };
}

/** Yields the lines while the guards hold; throws the guard's error (a ProxyError, or the disconnect) when one fires. */
export async function* guardLines<Line>(lines: AsyncIterator<Line>, signal: AbortSignal, limits: GuardLimits, watch: Watch): AsyncGenerator<Line> {
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
      idleTimer = setTimeout(
        () => fail(new ProxyError('timeout', `no output from the model for ${limit.ms} ms (${limit.what}): the upstream stream stalled`)),
        limit.ms,
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
    // The reader is not closed: it is the process's only one, and a kept process is read again next turn.
  }
}
