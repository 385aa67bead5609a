/**
 * @module
 * The one log line of a request: its fields (JSON logs) and a short text for a terminal (LOG_FORMAT=pretty).
 */
import type { FinishedRequest } from './observe-requests.ts';

export interface RequestLogFields {
  reqId: string;
  key: string | undefined;
  api: string | undefined;
  method: string;
  route: string | undefined;
  status: number;
  stream: boolean;
  model: string | undefined;
  /** How the turn was served: cold, warm, kept, held, rewound, warm-late-settings. */
  served: string | undefined;
  outcome: string | undefined;
  error_kind: string | undefined;
  ttft_ms: number | undefined;
  duration_ms: number;
  queue_wait_ms: number | undefined;
  input_tokens: number | undefined;
  output_tokens: number | undefined;
  cache_read_input_tokens: number | undefined;
  cache_creation_input_tokens: number | undefined;
  client_closed: boolean;
}

export function requestLogFields(request: FinishedRequest): RequestLogFields {
  const { report } = request;
  return {
    reqId: request.id,
    key: request.key,
    api: request.api,
    method: request.method,
    route: request.route,
    status: request.status,
    stream: request.stream,
    model: report?.model,
    served: report?.processKind,
    outcome: report?.outcome,
    error_kind: report?.error?.kind,
    ttft_ms: report?.ttftMs,
    duration_ms: request.durationMs,
    queue_wait_ms: report?.queueWaitMs,
    input_tokens: report?.usage?.inputTokens,
    output_tokens: report?.usage?.outputTokens,
    cache_read_input_tokens: report?.usage?.cacheReadInputTokens,
    cache_creation_input_tokens: report?.usage?.cacheCreationInputTokens,
    client_closed: request.clientClosed,
  };
}

/** `200 chat claude-sonnet-4-6 warm key=cursor ttft 412ms 1.93s in 120 out 48 req_…`: what matters first. */
export function formatRequestLine(fields: Partial<RequestLogFields>): string {
  const parts: string[] = [String(fields.status ?? '-'), fields.api ?? `${fields.method ?? ''} ${fields.route ?? ''}`.trim()];
  if (fields.stream === true) parts.push('stream');
  if (fields.model != null) parts.push(fields.model);
  if (fields.served != null) parts.push(fields.served);
  if (fields.key != null) parts.push(`key=${fields.key}`);
  if (fields.ttft_ms != null) parts.push(`ttft ${formatDuration(fields.ttft_ms)}`);
  if (fields.duration_ms != null) parts.push(formatDuration(fields.duration_ms));
  if (fields.input_tokens != null || fields.output_tokens != null) parts.push(`in ${fields.input_tokens ?? 0} out ${fields.output_tokens ?? 0}`);
  if (fields.cache_read_input_tokens != null && fields.cache_read_input_tokens > 0) parts.push(`cache ${fields.cache_read_input_tokens}`);
  if (fields.outcome != null && fields.outcome !== 'completed')
    parts.push(fields.error_kind != null ? `${fields.outcome} (${fields.error_kind})` : fields.outcome);
  else if (fields.client_closed === true) parts.push('client closed');
  if (fields.reqId != null) parts.push(fields.reqId);
  return parts.join(' ');
}

function formatDuration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)}ms` : `${(ms / 1000).toFixed(2)}s`;
}
