/**
 * @module
 * Where finished turns and requests go: metrics, usage accounting, the recent requests, one log line per request, and
 * the app's own turn observer (tests, CLI health).
 */
import type { FastifyBaseLogger } from 'fastify';
import type { TurnReport } from '../cli/turn-report.ts';
import { findModel, upstreamModelId } from '../core/models.ts';
import type { UsageStore } from '../usage/usage-store.ts';
import { requestLogFields } from './format-request-log.ts';
import type { ProxyMetrics } from './metrics.ts';
import type { FinishedRequest, RequestObserver } from './observe-requests.ts';
import type { RecentRequests } from './recent-requests.ts';

/** Polled all day by probes, scrapers and the status page: their lines would drown the requests that matter. */
const QUIET_APIS = new Set(['health', 'metrics', 'status', 'page']);

export function createRequestObserver(parts: {
  metrics: ProxyMetrics;
  usage: UsageStore | undefined;
  recent: RecentRequests;
  log: FastifyBaseLogger;
  turnObserver: ((report: TurnReport) => void) | undefined;
  now: () => number;
}): RequestObserver {
  const models = new ServedModels();
  return {
    turnEnded(answered, api) {
      const report = models.resolve(answered);
      parts.metrics.recordTurn(report, api);
      parts.usage?.record({
        at: parts.now(),
        key: report.caller ?? '-',
        model: report.model,
        inputTokens: report.usage?.inputTokens ?? 0,
        outputTokens: report.usage?.outputTokens ?? 0,
        cacheReadInputTokens: report.usage?.cacheReadInputTokens ?? 0,
        cacheCreationInputTokens: report.usage?.cacheCreationInputTokens ?? 0,
        ok: report.outcome !== 'failed',
      });
      parts.turnObserver?.(report);
      return report;
    },
    requestFinished(request: FinishedRequest) {
      parts.metrics.recordRequest(request);
      parts.recent.add(request);
      const quiet = request.api != null && QUIET_APIS.has(request.api) && request.status < 400;
      const fields = requestLogFields(request);
      if (quiet) parts.log.debug(fields, 'request');
      else if (request.status >= 500 || request.report?.outcome === 'failed') parts.log.warn(fields, 'request');
      else parts.log.info(fields, 'request');
    },
  };
}

/**
 * A turn that failed before its answer started names only the requested model (`sonnet`); the model that name was
 * last served by stands in, so its error is counted on the same row as its successes. A name never served and not in
 * the catalogue counts as `other`: the client chooses it, and each new one would be a metric series and a usage row.
 */
class ServedModels {
  private readonly byRequested = new Map<string, string>();
  private readonly served = new Set<string>();

  resolve(report: TurnReport): TurnReport {
    if (report.model !== report.requestedModel || report.usage != null) {
      this.byRequested.set(report.requestedModel, report.model);
      this.served.add(report.model);
      return report;
    }
    const model =
      this.byRequested.get(report.requestedModel) ??
      (this.served.has(report.model) || findModel(upstreamModelId(report.model)) != null ? report.model : 'other');
    return { ...report, model };
  }
}
