/**
 * @module
 * The CLI's health as /health reports it, kept current in the background so that /health answers at once (it used
 * to wait for two CLI probes, up to 15 s under load, and then call a working proxy degraded). Turns are the best
 * evidence: a turn that streams proves the CLI runs and is logged in; one refused as not logged in proves the
 * opposite. The probe (`claude --version`, `claude auth status --json`) runs only when no turn has proven anything
 * lately, and a probe that times out changes nothing.
 */
import type { FidelityResult } from './check-cli-fidelity.ts';
import type { CliProbe } from './probe-cli.ts';

/** What a finished turn tells about the CLI. */
export type TurnEvidence = 'served' | 'cli_not_logged_in' | 'cli_not_runnable';

export interface CliHealthState {
  path: string;
  version: string | undefined;
  loggedIn: boolean | undefined;
  authMethod: string | undefined;
  /** Why the CLI cannot serve requests, when it cannot (definite evidence only). */
  error: string | undefined;
  /** When the state was last confirmed, by a probe or a turn (ms since the epoch). */
  confirmedAt: number | undefined;
  /** The last probe that told nothing, if the last probe did (a timeout under load): not a failure. */
  probeProblem: string | undefined;
  lastTurn: { at: number; evidence: TurnEvidence } | undefined;
  /** The fidelity self-check (check-cli-fidelity.ts): not run yet, running, or its result. */
  fidelity: { status: 'not_checked' | 'checking' } | (FidelityResult & { checkedAt: number });
}

export interface CliHealthOptions {
  path: string;
  probe: () => Promise<CliProbe>;
  now: () => number;
  /** How often the probe may run when no turn confirmed the state. */
  intervalMs: number;
}

export class CliHealth {
  private current: CliHealthState;
  private probing: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: CliHealthOptions) {
    this.current = {
      path: options.path,
      version: undefined,
      loggedIn: undefined,
      authMethod: undefined,
      error: undefined,
      confirmedAt: undefined,
      probeProblem: undefined,
      lastTurn: undefined,
      fidelity: { status: 'not_checked' },
    };
  }

  get state(): CliHealthState {
    return this.current;
  }

  /** Whether requests can be served, as far as anything has shown. */
  get ready(): boolean {
    return this.current.error == null && this.current.loggedIn === true;
  }

  /** Runs the probe now (one at a time) and folds its result in. */
  refresh(): Promise<void> {
    this.probing ??= this.options
      .probe()
      .then((probe) => this.applyProbe(probe))
      .catch((error: unknown) =>
        this.applyProbe({
          path: this.options.path,
          version: undefined,
          loggedIn: undefined,
          authMethod: undefined,
          error: undefined,
          inconclusive: String(error),
        }),
      )
      .finally(() => (this.probing = undefined));
    return this.probing;
  }

  /** Probes every intervalMs, unless a turn confirmed the state within that time. */
  start(): void {
    this.timer ??= setInterval(() => {
      const confirmed = this.current.confirmedAt;
      if (confirmed == null || this.options.now() - confirmed >= this.options.intervalMs) void this.refresh();
    }, this.options.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Runs the fidelity self-check once and keeps its result (informational: it does not make /health degraded). */
  async checkFidelity(check: () => Promise<FidelityResult>): Promise<FidelityResult> {
    this.current = { ...this.current, fidelity: { status: 'checking' } };
    const result = await check().catch((error: unknown): FidelityResult => ({ status: 'failed', differences: [String(error)] }));
    this.current = { ...this.current, fidelity: { ...result, checkedAt: this.options.now() } };
    return result;
  }

  recordTurn(evidence: TurnEvidence): void {
    const at = this.options.now();
    this.current = { ...this.current, lastTurn: { at, evidence }, confirmedAt: at };
    switch (evidence) {
      case 'served':
        this.current = { ...this.current, loggedIn: true, error: undefined };
        return;
      case 'cli_not_logged_in':
        this.current = { ...this.current, loggedIn: false, error: undefined };
        return;
      case 'cli_not_runnable':
        this.current = { ...this.current, error: 'the Claude Code CLI could not be started for the last request' };
        return;
    }
  }

  private applyProbe(probe: CliProbe): void {
    if (probe.inconclusive != null) {
      this.current = { ...this.current, probeProblem: probe.inconclusive, version: probe.version ?? this.current.version };
      return;
    }
    this.current = {
      ...this.current,
      version: probe.version,
      loggedIn: probe.loggedIn,
      authMethod: probe.authMethod,
      error: probe.error,
      probeProblem: undefined,
      confirmedAt: this.options.now(),
    };
  }
}
