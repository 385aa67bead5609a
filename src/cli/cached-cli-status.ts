/**
 * @module
 * The CLI probe, refreshed at most every `maxAgeMs` (a login can change while the proxy runs; probing spawns).
 */
import { probeCli, type CliProbe } from './probe-cli.ts';

export function createCachedCliStatus(path: string, environment: Record<string, string | undefined>, maxAgeMs = 30_000) {
  let cached: { at: number; probe: Promise<CliProbe> } | undefined;
  return function cliStatus(): Promise<CliProbe> {
    const now = Date.now();
    if (cached == null || now - cached.at > maxAgeMs) cached = { at: now, probe: probeCli(path, environment) };
    return cached.probe;
  };
}
