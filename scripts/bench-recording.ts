/**
 * What recording a turn costs (issue 16): metrics, usage accounting in its SQLite file and the request's log line.
 * Two measurements: the recording alone, per turn, in process; and whole turns through two proxies alike but for
 * recording (usage in a file and info logs, against USAGE_DATABASE=off and silent logs), alternating, medians.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import type { RunnerStats } from '../src/cli/cli-runner.ts';
import type { TurnReport } from '../src/cli/turn-report.ts';
import { ProxyMetrics } from '../src/server/metrics.ts';
import type { FinishedRequest } from '../src/server/observe-requests.ts';
import { RecentRequests } from '../src/server/recent-requests.ts';
import { createRequestObserver } from '../src/server/request-observer.ts';
import { openUsageStore } from '../src/usage/usage-store.ts';

const STATS: RunnerStats = {
  inUse: 0,
  queued: 0,
  maxConcurrent: 8,
  warm: { size: 2, idle: 2 },
  idleMemory: { budgetMb: 1024, warm: 380, kept: 0, held: 0 },
  affinity: { size: 4, kept: 0, held: 0, continued: 0, heldContinued: 0, rewound: 0 },
};

/** Microseconds per turn for metrics + usage (a real file) + the log line (JSON, to a sink), median of batches. */
export function recordingCostPerTurn(median: (values: number[]) => number): { microseconds: number; turns: number } {
  const directory = mkdtempSync(join(tmpdir(), 'claude-proxy-bench-usage-'));
  const usage = openUsageStore(join(directory, 'usage.db'));
  const app = Fastify({ logger: { level: 'info', stream: { write: () => undefined } } });
  const observer = createRequestObserver({
    metrics: new ProxyMetrics({ stats: () => STATS, quota: () => undefined, loggedIn: () => true }),
    usage,
    recent: new RecentRequests(),
    log: app.log,
    turnObserver: undefined,
    now: Date.now,
  });
  const keys = ['cursor', 'cline', 'codex', 'key 4'];
  const batches: number[] = [];
  const BATCH = 1000;
  for (let batch = 0; batch < 20; batch += 1) {
    const started = performance.now();
    for (let index = 0; index < BATCH; index += 1) {
      const report: TurnReport = {
        model: 'claude-sonnet-4-6',
        requestedModel: 'sonnet',
        caller: keys[index % keys.length],
        processKind: index % 3 === 0 ? 'kept' : 'warm',
        queueWaitMs: 0,
        startupMs: 12,
        ttftMs: 180 + (index % 50),
        durationMs: 900 + index,
        usage: { inputTokens: 1200, outputTokens: 300, cacheReadInputTokens: 800, cacheCreationInputTokens: 20 },
        stopReason: 'end_turn',
        outcome: 'completed',
        error: undefined,
      };
      observer.turnEnded(report, 'chat');
      const request: FinishedRequest = {
        id: `req_${batch}_${index}`,
        startedAt: Date.now() - 900,
        method: 'POST',
        route: '/v1/chat/completions',
        api: 'chat',
        key: report.caller,
        status: 200,
        stream: index % 2 === 0,
        durationMs: 905,
        clientClosed: false,
        report,
      };
      observer.requestFinished(request);
    }
    batches.push(((performance.now() - started) * 1000) / BATCH);
  }
  void usage.close();
  rmSync(directory, { recursive: true, force: true });
  return { microseconds: median(batches), turns: batches.length * BATCH };
}

/** Request sent → whole answer received (non-streaming: the turn is recorded before the answer is sent). */
export async function wholeTurnMs(port: number): Promise<number> {
  const started = performance.now();
  const response = await fetch(`http://127.0.0.1:${port}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'sonnet', messages: [{ role: 'user', content: 'What is the capital of France?' }] }),
  });
  await response.json();
  return performance.now() - started;
}

export function recordingSettings(on: boolean, home: string): Record<string, string> {
  return on ? { USAGE_DATABASE: join(home, 'bench-usage.db'), LOG_LEVEL: 'info', LOG_FORMAT: 'json' } : { USAGE_DATABASE: 'off', LOG_LEVEL: 'silent' };
}
