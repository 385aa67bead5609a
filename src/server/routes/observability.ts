/**
 * @module
 * GET /metrics (Prometheus), GET /v1/usage (usage per key, model and day, kept across restarts) and GET /v1/status
 * (what the status page draws). All three are behind the proxy's keys when keys are set (security.ts).
 */
import type { FastifyInstance } from 'fastify';
import { rangeStatus } from '../../cli/tested-cli-versions.ts';
import { ProxyError } from '../../errors.ts';
import { addUtcDays, parseUtcDay, utcDayOf, type UsageQuery, type UsageRow, type UsageStore } from '../../usage/usage-store.ts';
import type { AppDependencies } from '../create-app.ts';
import type { StatusSnapshot } from '../status-snapshot.ts';
import { quotaForHealth } from '../quota-for-health.ts';
import { accountsForHealth } from './health.ts';

/** The status page's usage charts. */
const STATUS_USAGE_DAYS = 14;
const DEFAULT_USAGE_DAYS = 30;
const STATUS_USAGE_WAIT_MS = 2000;

export function registerObservabilityRoutes(app: FastifyInstance, dependencies: AppDependencies): void {
  const startedAt = dependencies.now();

  app.get('/metrics', async (_request, reply) => {
    const { contentType, body } = await app.metrics.render();
    return reply.type(contentType).send(body);
  });

  app.get<{ Querystring: Record<string, string | string[] | undefined> }>('/v1/usage', async (request) => {
    const usage = dependencies.usage;
    if (usage == null) throw new ProxyError('not_found', 'usage accounting is off (USAGE_DATABASE=off)');
    const [from, to, key, model] = (['from', 'to', 'key', 'model'] as const).map((name) => singleParameter(request.query, name));
    const filter = usageRange(from, to, DEFAULT_USAGE_DAYS, dependencies.now());
    if (key != null) filter.key = key;
    if (model != null) filter.model = model;
    const rows = await usage.query(filter);
    return { object: 'usage', from: filter.from, to: filter.to, data: rows, totals: totalsOf(rows) };
  });

  app.get('/v1/status', async (request): Promise<StatusSnapshot> => {
    const now = dependencies.now();
    const cli = dependencies.cliHealth.state;
    const stats = dependencies.runner.stats();
    const quota = quotaForHealth(app.latestQuota.current);
    const usage =
      dependencies.usage != null ? await statusUsage(dependencies.usage, usageRange(undefined, undefined, STATUS_USAGE_DAYS, now), request.log) : [];
    const range = rangeStatus(cli.version);
    return {
      generated_at: new Date(now).toISOString(),
      proxy: {
        version: dependencies.version ?? 'unknown',
        uptime_seconds: Math.round((now - startedAt) / 1000),
        auth: dependencies.config.apiKeys.length > 0 ? 'keys' : 'open (loopback only)',
        usage_database: dependencies.usage?.location ?? null,
      },
      cli: {
        path: cli.path,
        version: cli.version ?? null,
        logged_in: cli.loggedIn ?? null,
        auth_method: cli.authMethod ?? null,
        in_tested_range: range === 'unknown' ? null : range === 'inside',
        problem: dependencies.cliHealth.ready
          ? null
          : (cli.error ?? cli.probeProblem ?? (cli.loggedIn === false ? 'not logged in: run `claude auth login`' : 'not checked yet')),
      },
      quota:
        quota != null
          ? {
              status: quota.status,
              type: quota.type,
              utilization: quota.utilization,
              resets_at: quota.resets_at,
              windows: quota.windows,
              updated_at: quota.updated_at,
            }
          : null,
      processes: {
        running: stats.inUse,
        queued: stats.queued,
        max_concurrent: stats.maxConcurrent,
        warm: stats.warm.idle,
        kept: stats.affinity.kept - stats.affinity.held,
        held: stats.affinity.held,
        idle_memory_mb: { warm: stats.idleMemory.warm, kept: stats.idleMemory.kept, held: stats.idleMemory.held, budget: stats.idleMemory.budgetMb },
      },
      accounts: accountsForHealth(app.accountRouter.list(), now).map((account) => ({
        ...account,
        quota:
          account.quota != null
            ? { status: account.quota.status, type: account.quota.type, utilization: account.quota.utilization, resets_at: account.quota.resets_at }
            : null,
      })),
      recent_requests: [...app.recentRequests.list()],
      usage,
    };
  });
}

/** `?key=a&key=b` arrives as a list: one value per parameter, or the caller's 400. */
function singleParameter(query: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const value = query[name];
  if (Array.isArray(value)) throw new ProxyError('invalid_request', `${name}: give it once`);
  return value;
}

/**
 * The days asked for, checked: a malformed or impossible date, or a range that ends before it starts, is the caller's
 * 400. Without `to`, today (UTC); without `from`, `days` days up to `to`.
 */
function usageRange(from: string | undefined, to: string | undefined, days: number, now: number): UsageQuery & { from: string; to: string } {
  const end = to ?? utcDayOf(now);
  try {
    parseUtcDay(end, 'to');
    const start = from ?? addUtcDays(end, -(days - 1));
    if (parseUtcDay(start, 'from') > parseUtcDay(end, 'to')) throw new Error(`from (${start}) is after to (${end})`);
    return { from: start, to: end };
  } catch (error) {
    throw new ProxyError('invalid_request', (error as Error).message);
  }
}

/** Usage for the page, or none: a slow or unreachable shared database must not hold the status page up. */
async function statusUsage(usage: UsageStore, filter: UsageQuery, log: { warn(fields: object, message: string): void }): Promise<UsageRow[]> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${STATUS_USAGE_WAIT_MS} ms`)), STATUS_USAGE_WAIT_MS);
  });
  try {
    return await Promise.race([usage.query(filter), timeout]);
  } catch (error) {
    log.warn({ err: error, usage: usage.location }, 'usage for the status page could not be read');
    return [];
  } finally {
    clearTimeout(timer);
  }
}

function totalsOf(rows: readonly UsageRow[]) {
  const totals = { requests: 0, errors: 0, input_tokens: 0, output_tokens: 0, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 };
  for (const row of rows) {
    totals.requests += row.requests;
    totals.errors += row.errors;
    totals.input_tokens += row.input_tokens;
    totals.output_tokens += row.output_tokens;
    totals.cache_read_input_tokens += row.cache_read_input_tokens;
    totals.cache_creation_input_tokens += row.cache_creation_input_tokens;
  }
  return totals;
}
