import { afterEach, describe, expect, it } from 'vitest';
import { WarmPool, type SpawnSettings } from './warm-pool.ts';

// `sleep` stands in for the CLI: the pool only starts, keeps and ends processes.
function settings(env: Record<string, string> = {}, args = ['60']): SpawnSettings {
  return { command: 'sleep', args, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env }, cwd: '/' };
}

let pool: WarmPool;
afterEach(async () => pool.shutdown());

describe('WarmPool', () => {
  it('hands out a process started with exactly the same settings', () => {
    pool = new WarmPool(2, 60_000);
    pool.fill(settings({ CLAUDE_CODE_MAX_OUTPUT_TOKENS: '100' }));
    const taken = pool.take(settings({ CLAUDE_CODE_MAX_OUTPUT_TOKENS: '100' }));
    expect(taken?.exact).toBe(true);
    expect(pool.idleCount).toBe(0);
  });

  it('adapts a process with other late settings when the request sets them', () => {
    pool = new WarmPool(2, 60_000);
    pool.fill(settings());
    expect(pool.take(settings({ CLAUDE_CODE_MAX_OUTPUT_TOKENS: '256', CLAUDE_CODE_EFFORT_LEVEL: 'low' }))?.exact).toBe(false);
  });

  it('does not hand out a process carrying a late setting the request leaves unset, nor one with other spawn settings', () => {
    pool = new WarmPool(2, 60_000);
    pool.fill(settings({ CLAUDE_CODE_MAX_OUTPUT_TOKENS: '100' }));
    expect(pool.take(settings())).toBeUndefined();
    expect(pool.take(settings({ CLAUDE_CODE_MAX_OUTPUT_TOKENS: '100' }, ['61']))).toBeUndefined();
    expect(pool.idleCount).toBe(1);
  });

  it('keeps at most its size, ending the oldest idle process', async () => {
    pool = new WarmPool(1, 60_000);
    pool.fill(settings({}, ['60']));
    const [first] = pool.idlePids();
    pool.fill(settings({}, ['61']));
    expect(pool.idleCount).toBe(1);
    expect(pool.idlePids()).not.toContain(first);
    expect(pool.take(settings({}, ['60']))).toBeUndefined();
  });

  it('makes room by ending a spare process, or that of the least recently used setting, never the only one of a busy setting', () => {
    pool = new WarmPool(3, 60_000);
    const busy = settings({}, ['60']);
    const other = settings({}, ['61']);
    const rare = settings({}, ['62']);
    pool.fill(busy);
    pool.fill(other);
    pool.fill(other);
    const [busyPid] = pool.idlePids();
    // Full, and `other` has two: one of those goes, not the only busy one.
    pool.fill(rare);
    expect(pool.idlePids()).toContain(busyPid);
    expect(pool.idleCount).toBe(3);
    // No spare left: the least recently used setting's process goes (`other`: `busy` was just asked for, `rare` filled).
    expect(pool.take(settings({}, ['63']))).toBeUndefined();
    expect(pool.take(busy)).toBeDefined();
    pool.fill(busy);
    pool.fill(rare);
    expect(pool.take(other)).toBeUndefined();
    expect(pool.take(busy)).toBeDefined();
  });

  it('starts nothing when full and the process to end would be one of the same settings', () => {
    pool = new WarmPool(2, 60_000);
    pool.fill(settings());
    pool.fill(settings());
    const pids = pool.idlePids();
    pool.fill(settings());
    expect(pool.idlePids()).toEqual(pids);
  });

  it('recycles idle processes after the idle time', async () => {
    pool = new WarmPool(1, 50);
    pool.fill(settings());
    await expect.poll(() => pool.idleCount).toBe(0);
  });

  it('keeps nothing with size 0', () => {
    pool = new WarmPool(0, 60_000);
    pool.fill(settings());
    expect(pool.idleCount).toBe(0);
  });
});
