/**
 * @module
 * Resident memory of a process, from /proc on Linux. A CLI still starting (or a system without /proc) counts as
 * the least an idle CLI uses once started, so the budget is not overrun by processes that have not grown yet.
 */
import { readFileSync } from 'node:fs';

/** About what an idle CLI 2.1.332 uses once started (measured: 150–210 MB). */
export const IDLE_CLI_MIN_MB = 150;

export function residentMbOf(pid: number): number {
  try {
    const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
    return Math.max(IDLE_CLI_MIN_MB, kb / 1024);
  } catch {
    return IDLE_CLI_MIN_MB;
  }
}
