/**
 * @module
 * One record per request, finished when both its response is over (sent, failed or cut by the client) and, when it
 * ran a turn, that turn's report is in: a client that goes away closes the response before its turn has ended. The
 * finished record feeds the request log line, the request metrics and the recent requests; turn reports feed the turn
 * metrics and usage accounting as soon as they arrive (runTurn calls `turnEnded`).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TurnReport } from '../cli/turn-report.ts';

export type ApiName = 'messages' | 'count_tokens' | 'chat' | 'responses' | 'models' | 'health' | 'metrics' | 'usage' | 'status' | 'page';

/** Every route's API; a route missing here fails the app's start (the onRoute check below), never counts as another. */
const API_OF_ROUTE: Record<string, ApiName> = {
  '/v1/messages': 'messages',
  '/v1/messages/count_tokens': 'count_tokens',
  '/v1/chat/completions': 'chat',
  '/chat/completions': 'chat',
  '/v1/responses': 'responses',
  '/responses': 'responses',
  '/v1/models': 'models',
  '/v1/models/:id': 'models',
  '/models': 'models',
  '/health': 'health',
  '/metrics': 'metrics',
  '/v1/usage': 'usage',
  '/v1/status': 'status',
  '/': 'page',
  '/dashboard': 'page',
};

export interface FinishedRequest {
  id: string;
  startedAt: number;
  method: string;
  /** The route's pattern (`/v1/models/:model`), undefined for an unmatched path. */
  route: string | undefined;
  api: ApiName | undefined;
  /** The key's name, undefined without keys. */
  key: string | undefined;
  status: number;
  stream: boolean;
  durationMs: number;
  /** Whether the client closed the connection before the whole response was sent. */
  clientClosed: boolean;
  /** The turn's report, when the request ran one. */
  report: TurnReport | undefined;
}

interface OpenRecord {
  startedAt: number;
  turnStarted: boolean;
  report: TurnReport | undefined;
  responseEnded: { at: number; clientClosed: boolean } | undefined;
  finished: boolean;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** This request's record (observe-requests.ts). */
    observed: OpenRecord | undefined;
  }
}

export interface RequestObserver {
  /**
   * A turn ended: its report, with the API it served. Called before the request's own record finishes, which gets the
   * report returned (its model named as metrics and usage name it).
   */
  turnEnded(report: TurnReport, api: ApiName): TurnReport;
  /** A request is over, with its turn's report when it ran one. */
  requestFinished(request: FinishedRequest): void;
}

export function observeRequests(app: FastifyInstance, observer: RequestObserver, now: () => number): void {
  app.decorateRequest('observed', undefined);
  app.addHook('onRoute', (route) => {
    // CORS preflights (@fastify/cors) run no turn and are not an API of their own.
    if (route.method === 'OPTIONS' || (Array.isArray(route.method) && route.method.includes('OPTIONS'))) return;
    if (!(route.url in API_OF_ROUTE)) throw new Error(`observe-requests.ts: the route ${route.url} has no API in API_OF_ROUTE`);
  });
  app.addHook('onRequest', async (request, reply) => {
    const record: OpenRecord = { startedAt: now(), turnStarted: false, report: undefined, responseEnded: undefined, finished: false };
    request.observed = record;
    // `close` comes for every response, sent or cut off; `finish` only for a sent one.
    reply.raw.once('close', () => {
      record.responseEnded = { at: now(), clientClosed: !reply.raw.writableFinished };
      finishIfComplete(request, record, reply.statusCode, observer);
    });
  });
}

/** runTurn: this request runs a turn; its record waits for the turn's report. */
export function turnStarted(request: FastifyRequest): void {
  if (request.observed != null) request.observed.turnStarted = true;
}

export function turnEnded(request: FastifyRequest, report: TurnReport, observer: RequestObserver, statusCode: () => number): void {
  // Only the three APIs' routes run turns, and every route has its API (checked when it is registered).
  const recorded = observer.turnEnded(report, apiOfRequest(request)!);
  const record = request.observed;
  if (record == null) return;
  record.report = recorded;
  finishIfComplete(request, record, statusCode(), observer);
}

function finishIfComplete(request: FastifyRequest, record: OpenRecord, status: number, observer: RequestObserver): void {
  if (record.finished || record.responseEnded == null || (record.turnStarted && record.report == null)) return;
  record.finished = true;
  const body = request.body as { stream?: unknown } | null | undefined;
  observer.requestFinished({
    id: request.id,
    startedAt: record.startedAt,
    method: request.method,
    route: request.routeOptions.url,
    api: apiOfRequest(request),
    key: request.caller,
    status,
    stream: typeof body === 'object' && body != null && body.stream === true,
    durationMs: record.responseEnded.at - record.startedAt,
    clientClosed: record.responseEnded.clientClosed,
    report: record.report,
  });
}

function apiOfRequest(request: FastifyRequest): ApiName | undefined {
  const route = request.routeOptions.url;
  return route != null ? API_OF_ROUTE[route] : undefined;
}
