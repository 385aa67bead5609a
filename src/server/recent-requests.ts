/**
 * @module
 * The latest requests that ran a turn, newest first, for the status page: what this process served since it started.
 */
import type { FinishedRequest } from './observe-requests.ts';
import type { RecentRequest } from './status-snapshot.ts';

const TURN_APIS = new Set(['messages', 'chat', 'responses']);

export class RecentRequests {
  private readonly entries: RecentRequest[] = [];

  constructor(private readonly limit = 50) {}

  add(request: FinishedRequest): void {
    if (request.api == null || !TURN_APIS.has(request.api) || request.report == null) return;
    const { report } = request;
    this.entries.unshift({
      at: new Date(request.startedAt).toISOString(),
      request_id: request.id,
      key: request.key ?? '-',
      api: request.api as RecentRequest['api'],
      model: report.model,
      served: report.processKind ?? null,
      status: request.status,
      stream: request.stream,
      ttft_ms: report.ttftMs ?? null,
      duration_ms: request.durationMs,
      input_tokens: report.usage?.inputTokens ?? 0,
      output_tokens: report.usage?.outputTokens ?? 0,
      cache_read_input_tokens: report.usage?.cacheReadInputTokens ?? 0,
      cache_creation_input_tokens: report.usage?.cacheCreationInputTokens ?? 0,
    });
    if (this.entries.length > this.limit) this.entries.length = this.limit;
  }

  list(): readonly RecentRequest[] {
    return this.entries;
  }
}
