/**
 * @module
 * The `claude` processes started for one test proxy, found through /proc by their HOME (each test proxy gives
 * its CLI a fresh HOME). Independent of the proxy's own bookkeeping, so a leak cannot hide. Linux only.
 */
import { readdirSync, readFileSync } from 'node:fs';

export function cliProcessesWithHome(home: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const environ = readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0');
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (environ.includes(`HOME=${home}`) && cmdline.includes('claude')) pids.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return pids;
}

/** Any process (an MCP server the CLI started, say) whose environment has this exact variable. */
export function processesWithVariable(variable: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0').includes(variable)) pids.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return pids;
}

/** CLI processes of a test proxy other than its idle warm ones and those kept for a conversation: a request left them behind. */
export function busyCliProcesses(proxy: { home: string; runner: { warmPids(): number[]; keptPids(): number[] } }): number[] {
  const idle = new Set([...proxy.runner.warmPids(), ...proxy.runner.keptPids()]);
  return cliProcessesWithHome(proxy.home).filter((pid) => !idle.has(pid));
}
