import { afterEach, describe, expect, it, vi } from 'vitest';
import { CliHealth } from './cli-health.ts';
import type { CliProbe } from './probe-cli.ts';

const LOGGED_IN: CliProbe = { path: 'claude', version: '2.1.197', loggedIn: true, authMethod: 'api_key', error: undefined };
const LOGGED_OUT: CliProbe = { ...LOGGED_IN, loggedIn: false, authMethod: undefined };
const TIMED_OUT: CliProbe = {
  path: 'claude',
  version: undefined,
  loggedIn: undefined,
  authMethod: undefined,
  error: undefined,
  inconclusive: '`claude --version` did not answer within 15000 ms',
};

function healthWith(probes: CliProbe[], clock = { now: 1_000 }) {
  const probe = vi.fn(async () => probes.shift() ?? LOGGED_IN);
  return { health: new CliHealth({ path: 'claude', probe, now: () => clock.now, intervalMs: 30_000 }), probe, clock };
}

afterEach(() => vi.useRealTimers());

describe('CliHealth', () => {
  it('is not ready before anything was checked, ready after a probe finds the CLI logged in', async () => {
    const { health } = healthWith([LOGGED_IN]);
    expect(health.ready).toBe(false);
    await health.refresh();
    expect(health.ready).toBe(true);
    expect(health.state).toMatchObject({ version: '2.1.197', loggedIn: true, authMethod: 'api_key', confirmedAt: 1_000 });
  });

  it('stays ready when a later probe times out under load: an unanswered probe is not evidence', async () => {
    const { health } = healthWith([LOGGED_IN, TIMED_OUT]);
    await health.refresh();
    await health.refresh();
    expect(health.ready).toBe(true);
    expect(health.state.probeProblem).toContain('did not answer');
  });

  it('is degraded when the probe says not logged in, or cannot start the CLI', async () => {
    const { health } = healthWith([LOGGED_OUT, { ...LOGGED_IN, version: undefined, loggedIn: undefined, error: 'cannot run claude: spawn claude ENOENT' }]);
    await health.refresh();
    expect(health.ready).toBe(false);
    await health.refresh();
    expect(health.state.error).toContain('ENOENT');
    expect(health.ready).toBe(false);
  });

  it('takes turns as evidence: a served turn proves the login, a refused one its absence', async () => {
    const { health, clock } = healthWith([LOGGED_OUT]);
    await health.refresh();
    clock.now = 5_000;
    health.recordTurn('served');
    expect(health.ready).toBe(true);
    expect(health.state).toMatchObject({ confirmedAt: 5_000, lastTurn: { at: 5_000, evidence: 'served' } });
    health.recordTurn('cli_not_logged_in');
    expect(health.ready).toBe(false);
    health.recordTurn('cli_not_runnable');
    expect(health.state.error).toContain('could not be started');
    health.recordTurn('served');
    expect(health.ready).toBe(true);
  });

  it('runs one probe at a time', async () => {
    const { health, probe } = healthWith([LOGGED_IN]);
    await Promise.all([health.refresh(), health.refresh(), health.refresh()]);
    expect(probe).toHaveBeenCalledTimes(1);
  });

  it('probes in the background only when no turn confirmed the state within the interval', async () => {
    vi.useFakeTimers();
    const { health, probe, clock } = healthWith([]);
    health.start();
    await vi.advanceTimersByTimeAsync(30_000);
    expect(probe).toHaveBeenCalledTimes(1);
    clock.now = 1_000 + 30_000;
    health.recordTurn('served');
    clock.now += 20_000;
    await vi.advanceTimersByTimeAsync(30_000);
    expect(probe).toHaveBeenCalledTimes(1);
    clock.now += 30_000;
    await vi.advanceTimersByTimeAsync(30_000);
    expect(probe).toHaveBeenCalledTimes(2);
    health.stop();
  });
});
