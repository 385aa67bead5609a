/**
 * @module
 * GET /health: 200 when the CLI can serve requests, 503 (with the reason) when it cannot run or is not logged in.
 * Answers at once from state kept current in the background (cli/cli-health.ts): it never waits for a probe.
 */
import type { FastifyInstance } from 'fastify';
import { describeRangeStatus, rangeStatus, TESTED_CLI_RANGE } from '../../cli/tested-cli-versions.ts';
import type { AppDependencies } from '../create-app.ts';
import type { AccountState } from '../account-router.ts';
import { quotaForHealth } from '../quota-for-health.ts';

export function registerHealthRoute(app: FastifyInstance, dependencies: AppDependencies): void {
  const startedAt = dependencies.now();
  app.get('/health', async (_request, reply) => {
    const cli = dependencies.cliHealth.state;
    const pool = dependencies.runner.stats();
    const ready = dependencies.cliHealth.ready;
    const iso = (at: number | undefined) => (at != null ? new Date(at).toISOString() : null);
    const range = rangeStatus(cli.version);
    void reply.status(ready ? 200 : 503);
    return {
      status: ready ? 'ok' : 'degraded',
      uptime_seconds: Math.round((dependencies.now() - startedAt) / 1000),
      cli: {
        path: cli.path,
        version: cli.version ?? null,
        logged_in: cli.loggedIn ?? null,
        auth_method: cli.authMethod ?? null,
        tested_range: TESTED_CLI_RANGE,
        in_tested_range: range === 'unknown' ? null : range === 'inside',
        ...(range !== 'inside' ? { version_note: describeRangeStatus(cli.version) } : {}),
        confirmed_at: iso(cli.confirmedAt),
        last_turn: cli.lastTurn != null ? { at: iso(cli.lastTurn.at), outcome: cli.lastTurn.evidence } : null,
        ...(cli.error != null ? { error: cli.error } : {}),
        ...(cli.loggedIn === false ? { hint: 'run `claude auth login` (or `npx claude auth login` in the proxy folder)' } : {}),
        ...(cli.loggedIn == null && cli.error == null ? { error: cli.probeProblem ?? 'the CLI has not been checked yet' } : {}),
        ...(cli.probeProblem != null ? { probe_problem: cli.probeProblem } : {}),
        // Does this CLI send the client's conversation and nothing of the host (check-cli-fidelity.ts)?
        fidelity: cli.fidelity.status,
        ...('differences' in cli.fidelity && cli.fidelity.differences.length > 0 ? { fidelity_differences: cli.fidelity.differences } : {}),
      },
      quota: quotaForHealth(app.latestQuota.current),
      // Each subscription account (ACCOUNTS_DIR): its login, quota and cool-down; never its token or directory.
      ...(app.accountRouter.enabled ? { accounts: accountsForHealth(app.accountRouter.list(), dependencies.now()) } : {}),
      // The names a request may activate (PROXY_MCP_CONFIG); their commands, URLs and credentials stay private.
      mcp_servers: [...dependencies.config.mcpServers.keys()],
      processes: { active: dependencies.runner.activeCount() },
      pool: {
        in_use: pool.inUse,
        queued: pool.queued,
        max_concurrent: pool.maxConcurrent,
        warm_size: pool.warm.size,
        warm_idle: pool.warm.idle,
        affinity_size: pool.affinity.size,
        affinity_kept: pool.affinity.kept,
        affinity_held: pool.affinity.held,
        affinity_continued: pool.affinity.continued,
        affinity_held_continued: pool.affinity.heldContinued,
        affinity_rewound: pool.affinity.rewound,
        idle_memory_budget_mb: pool.idleMemory.budgetMb,
        idle_memory_mb: { warm: pool.idleMemory.warm, kept: pool.idleMemory.kept, held: pool.idleMemory.held },
      },
    };
  });
}

export function accountsForHealth(states: readonly AccountState[], now: number) {
  return states.map((state) => ({
    name: state.account.name,
    kind: state.account.kind,
    logged_in: state.loggedIn ?? null,
    quota: quotaForHealth(state.quota),
    cooling_until: state.coolingUntil != null && state.coolingUntil > now ? new Date(state.coolingUntil).toISOString() : null,
    turns: state.turns,
    rejections: state.rejections,
  }));
}
