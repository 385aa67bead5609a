/**
 * @module
 * The proxy's Prometheus metrics (`GET /metrics`): requests, turns by how they were served, their timings and tokens,
 * errors, processes and quota. Counters and histograms are fed from request records and turn reports as they end;
 * gauges are read from the runner and the latest quota when scraped, so nothing is kept twice. Each app has its own
 * registry: tests start many apps in one process.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { RunnerStats } from '../cli/cli-runner.ts';
import type { TurnReport } from '../cli/turn-report.ts';
import type { Quota } from '../cli/track-quota.ts';
import type { AccountState } from './account-router.ts';
import type { FinishedRequest } from './observe-requests.ts';

export interface MetricSources {
  stats: () => RunnerStats;
  quota: () => Quota | undefined;
  loggedIn: () => boolean | undefined;
  /** The subscription accounts, when there are any. */
  accounts?: () => readonly AccountState[];
}

/** Seconds: a warm turn's first token comes in well under a second, a long agent turn takes minutes. */
const LATENCY_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600];
const TOKEN_TYPES = ['input', 'output', 'cache_read', 'cache_creation'] as const;

export class ProxyMetrics {
  readonly registry = new Registry();
  private readonly requests: Counter<'api' | 'route' | 'model' | 'status'>;
  private readonly requestDuration: Histogram<'api' | 'stream'>;
  private readonly turns: Counter<'api' | 'served' | 'outcome'>;
  private readonly timeToFirstToken: Histogram<'api' | 'served'>;
  private readonly turnDuration: Histogram<'api' | 'served'>;
  private readonly queueWait: Histogram;
  private readonly startup: Histogram<'served'>;
  private readonly tokens: Counter<'model' | 'key' | 'type'>;
  private readonly errors: Counter<'status' | 'kind'>;
  private readonly accountTurns: Counter<'account' | 'outcome'>;

  constructor(sources: MetricSources, options: { processMetrics?: boolean } = {}) {
    const registers = [this.registry];
    this.requests = new Counter({
      name: 'claude_proxy_requests_total',
      help: 'HTTP requests by API, route, model (of the turn, when one ran) and status',
      labelNames: ['api', 'route', 'model', 'status'],
      registers,
    });
    this.requestDuration = new Histogram({
      name: 'claude_proxy_request_duration_seconds',
      help: 'From the request to the end of its response, streamed or not',
      labelNames: ['api', 'stream'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.turns = new Counter({
      name: 'claude_proxy_turns_total',
      help: 'Turns by API, how they were served (cold, warm, kept, held, rewound, warm-late-settings, none) and outcome',
      labelNames: ['api', 'served', 'outcome'],
      registers,
    });
    this.timeToFirstToken = new Histogram({
      name: 'claude_proxy_time_to_first_token_seconds',
      help: 'From the start of a turn to its first content block',
      labelNames: ['api', 'served'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.turnDuration = new Histogram({
      name: 'claude_proxy_turn_duration_seconds',
      help: 'From the start of a turn to its end',
      labelNames: ['api', 'served'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.queueWait = new Histogram({
      name: 'claude_proxy_queue_wait_seconds',
      help: 'Time a turn waited for a CLI slot (MAX_CONCURRENT)',
      buckets: [0.001, 0.01, 0.1, 0.5, 1, 5, 10, 30, 60],
      registers,
    });
    this.startup = new Histogram({
      name: 'claude_proxy_cli_startup_seconds',
      help: "From getting a CLI process to its first output line: a cold process's spawn, a warm one's late settings",
      labelNames: ['served'],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10],
      registers,
    });
    this.tokens = new Counter({
      name: 'claude_proxy_tokens_total',
      help: 'Tokens by model, key and type (input, output, cache_read, cache_creation), as the upstream counted them',
      labelNames: ['model', 'key', 'type'],
      registers,
    });
    this.errors = new Counter({
      name: 'claude_proxy_upstream_errors_total',
      help: 'Turns that ended with an error, by the status and error type the client got',
      labelNames: ['status', 'kind'],
      registers,
    });
    new Gauge({
      name: 'claude_proxy_processes',
      help: 'CLI processes by kind: running a turn, warm (ready for any request), kept (for a conversation), held (on tool calls)',
      labelNames: ['kind'],
      registers,
      collect() {
        const stats = sources.stats();
        this.set({ kind: 'running' }, stats.inUse);
        this.set({ kind: 'warm' }, stats.warm.idle);
        this.set({ kind: 'kept' }, stats.affinity.kept - stats.affinity.held);
        this.set({ kind: 'held' }, stats.affinity.held);
      },
    });
    new Gauge({
      name: 'claude_proxy_queued_turns',
      help: 'Turns waiting for a CLI slot',
      registers,
      collect() {
        this.set(sources.stats().queued);
      },
    });
    new Gauge({
      name: 'claude_proxy_idle_memory_bytes',
      help: 'Resident memory of the idle CLI processes by kind (they stay under IDLE_MEMORY_MB together)',
      labelNames: ['kind'],
      registers,
      collect() {
        const memory = sources.stats().idleMemory;
        for (const kind of ['warm', 'kept', 'held'] as const) this.set({ kind }, memory[kind] * 1024 * 1024);
      },
    });
    new Gauge({
      name: 'claude_proxy_quota_utilization',
      help: "The subscription's use of each rate-limit window (0 to 1), as the CLI last reported it",
      labelNames: ['window'],
      registers,
      collect() {
        this.reset();
        for (const [window, value] of quotaWindows(sources.quota())) if (value.utilization != null) this.set({ window }, value.utilization);
      },
    });
    new Gauge({
      name: 'claude_proxy_quota_resets_at_seconds',
      help: 'When each rate-limit window resets (Unix time)',
      labelNames: ['window'],
      registers,
      collect() {
        this.reset();
        for (const [window, value] of quotaWindows(sources.quota())) if (value.resetsAt != null) this.set({ window }, value.resetsAt);
      },
    });
    new Gauge({
      name: 'claude_proxy_cli_logged_in',
      help: 'Whether the CLI is logged in (1), not (0); absent until checked',
      registers,
      collect() {
        this.reset();
        const loggedIn = sources.loggedIn();
        if (loggedIn != null) this.set(loggedIn ? 1 : 0);
      },
    });
    this.accountTurns = new Counter({
      name: 'claude_proxy_account_turns_total',
      help: 'Turns by the subscription account that served them and outcome (a turn retried on another account counts on both)',
      labelNames: ['account', 'outcome'],
      registers,
    });
    new Gauge({
      name: 'claude_proxy_account_cooling',
      help: 'Whether a subscription account is passed over (1) until its rejected limit resets',
      labelNames: ['account'],
      registers,
      collect() {
        const now = Date.now();
        for (const state of sources.accounts?.() ?? [])
          this.set({ account: state.account.name }, state.coolingUntil != null && state.coolingUntil > now ? 1 : 0);
      },
    });
    new Gauge({
      name: 'claude_proxy_account_quota_utilization',
      help: "Each subscription account's use of each rate-limit window (0 to 1), as last reported",
      labelNames: ['account', 'window'],
      registers,
      collect() {
        this.reset();
        for (const state of sources.accounts?.() ?? []) {
          for (const [window, value] of quotaWindows(state.quota))
            if (value.utilization != null) this.set({ account: state.account.name, window }, value.utilization);
        }
      },
    });
    // The process's own CPU, memory and event-loop figures; only the real server turns them on (they are per process).
    if (options.processMetrics === true) collectDefaultMetrics({ register: this.registry });
  }

  recordRequest(request: FinishedRequest): void {
    const api = request.api ?? 'other';
    this.requests.inc({ api, route: request.route ?? 'unmatched', model: request.report?.model ?? '', status: String(request.status) });
    this.requestDuration.observe({ api, stream: String(request.stream) }, request.durationMs / 1000);
  }

  recordTurn(report: TurnReport, api: string): void {
    const served = report.processKind ?? 'none';
    this.turns.inc({ api, served, outcome: report.outcome });
    if (report.ttftMs != null) this.timeToFirstToken.observe({ api, served }, report.ttftMs / 1000);
    this.turnDuration.observe({ api, served }, report.durationMs / 1000);
    if (report.queueWaitMs != null) this.queueWait.observe(report.queueWaitMs / 1000);
    if (report.startupMs != null) this.startup.observe({ served }, report.startupMs / 1000);
    if (report.error != null) this.errors.inc({ status: String(report.error.status), kind: report.error.kind });
    if (report.account != null) this.accountTurns.inc({ account: report.account, outcome: report.outcome });
    if (report.usage != null) {
      const key = report.caller ?? '-';
      const counts = {
        input: report.usage.inputTokens,
        output: report.usage.outputTokens,
        cache_read: report.usage.cacheReadInputTokens,
        cache_creation: report.usage.cacheCreationInputTokens,
      };
      for (const type of TOKEN_TYPES) if (counts[type] > 0) this.tokens.inc({ model: report.model, key, type }, counts[type]);
    }
  }

  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}

/** The deciding window and every other one the CLI reported, by name. */
function quotaWindows(quota: Quota | undefined): Array<[string, { utilization?: number; resetsAt?: number }]> {
  if (quota == null) return [];
  const windows = new Map<string, { utilization?: number; resetsAt?: number }>(Object.entries(quota.windows));
  if (quota.type != null && !windows.has(quota.type)) windows.set(quota.type, { utilization: quota.utilization, resetsAt: quota.resetsAt });
  return [...windows];
}
