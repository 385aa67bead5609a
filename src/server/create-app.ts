/**
 * @module
 * Builds the Fastify app from injected dependencies (CLI runner, clock, CLI status). Never listens itself.
 */
import { randomBytes } from 'node:crypto';
import cors from '@fastify/cors';
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import type { CliRunner } from '../cli/cli-runner.ts';
import type { CliHealth } from '../cli/cli-health.ts';
import type { TurnReport } from '../cli/turn-report.ts';
import type { UsageStore } from '../usage/usage-store.ts';
import { BODY_LIMIT_BYTES, type Config } from '../config.ts';
import { ProxyError } from '../errors.ts';
import { APIS } from './apis.ts';
import { answerClientError, answerUnmetExpectation, rememberProtocol } from './answer-client-error.ts';
import { ShutdownState, shuttingDown } from './close-gracefully.ts';
import { QUOTA_HEADER_NAMES } from './format-quota-headers.ts';
import { LatestQuota } from './latest-quota.ts';
import { handleError } from './render-error.ts';
import { AccountRouter } from './account-router.ts';
import { ProxyMetrics } from './metrics.ts';
import { observeRequests, type RequestObserver } from './observe-requests.ts';
import { RecentRequests } from './recent-requests.ts';
import { createRequestObserver } from './request-observer.ts';
import { registerHealthRoute } from './routes/health.ts';
import { registerObservabilityRoutes } from './routes/observability.ts';
import { registerStatusPage } from './routes/status-page.ts';
import { registerModelRoutes } from './routes/models.ts';
import { createSecurityHook } from './security.ts';

export interface AppDependencies {
  config: Config;
  runner: CliRunner;
  /** The CLI's version and login state, kept current in the background; turns report what they show. */
  cliHealth: Pick<CliHealth, 'state' | 'ready' | 'recordTurn'>;
  now: () => number;
  /** Told about every turn when it ends (how it was served, how long it took, tokens, outcome), after metrics and usage. */
  turnObserver?: (report: TurnReport) => void;
  /** Where usage per key, model and day is counted (USAGE_DATABASE); undefined: usage accounting is off. */
  usage?: UsageStore;
  /** Where the log lines go (LOG_FORMAT=pretty: a text stream); stdout as JSON by default. */
  logStream?: { write(chunk: string): void };
  /** The server's own process figures (CPU, memory, event loop) in /metrics; only one app per process may have them. */
  processMetrics?: boolean;
  /** The proxy's version, for the status page. */
  version?: string;
  /** The subscription accounts turns are spread over (ACCOUNTS_DIR); without it, the CLI's own login serves. */
  accounts?: AccountRouter;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** SIGTERM: stop accepting, finish running turns for up to `graceMs`, then end them with an error; end every CLI process. */
    closeGracefully(graceMs: number): Promise<void>;
    /** Aborted with the error running turns end with when the shutdown grace period is over. */
    shutdownSignal: AbortSignal;
    /** The subscription quota the CLI last reported, from any turn (quota headers, /health). */
    latestQuota: LatestQuota;
    metrics: ProxyMetrics;
    recentRequests: RecentRequests;
    /** Told about every turn and request as it ends (observe-requests.ts). */
    requestObserver: RequestObserver;
    /** Which subscription account serves a turn; disabled (no accounts) by default. */
    accountRouter: AccountRouter;
  }
}

export async function createApp(dependencies: AppDependencies): Promise<FastifyInstance> {
  const { config } = dependencies;
  const app = Fastify({
    logger: { level: config.logLevel, ...(dependencies.logStream != null ? { stream: dependencies.logStream } : {}) },
    // One line per request, with its turn (request-observer.ts), instead of Fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: BODY_LIMIT_BYTES,
    genReqId: () => `req_${randomBytes(12).toString('base64url')}`,
    // Clients send model ids such as "opus[1m]" in paths.
    routerOptions: { maxParamLength: 200 },
    // Headers and body must arrive within this time: a connection trickling its body is closed with a 408. Node
    // checks the deadline every connectionsCheckingInterval (30 s by default, far longer than the deadline itself),
    // and applies it only when the headers' own deadline (60 s by default) is not longer (measured on Node 20).
    requestTimeout: config.requestBodyTimeoutMs,
    http: {
      connectionsCheckingInterval: Math.min(1000, config.requestBodyTimeoutMs),
      headersTimeout: Math.min(60_000, config.requestBodyTimeoutMs),
      // A request without Host gets the security hook's answer (a 403 in its protocol's shape), not Node's bare 400.
      requireHostHeader: false,
    },
    // Requests during the shutdown get a 503 in their protocol's shape from the hook below, not Fastify's own body.
    return503OnClosing: false,
    clientErrorHandler: answerClientError,
    // Malformed URLs and overlong path parameters: the same error handler as everything else.
    frameworkErrors: (error, request, reply) => handleError(error, request, reply),
  });
  // An `Expect` header other than 100-continue: Node would answer a bare 417.
  app.server.on('checkExpectation', answerUnmetExpectation);
  const shutdown = new ShutdownState();
  app.decorate('shutdownSignal', shutdown.signal);
  app.decorate('latestQuota', new LatestQuota());
  app.decorate('closeGracefully', (graceMs: number) => shutdown.close(app, dependencies.runner, graceMs));
  const accountRouter = dependencies.accounts ?? new AccountRouter([], new Map(), dependencies.now);
  const metrics = new ProxyMetrics(
    {
      stats: () => dependencies.runner.stats(),
      quota: () => app.latestQuota.current,
      loggedIn: () => dependencies.cliHealth.state.loggedIn,
      accounts: () => accountRouter.list(),
    },
    { processMetrics: dependencies.processMetrics },
  );
  const recentRequests = new RecentRequests();
  const observer = createRequestObserver({
    metrics,
    usage: dependencies.usage,
    recent: recentRequests,
    log: app.log,
    turnObserver: dependencies.turnObserver,
    now: dependencies.now,
  });
  app.decorate('metrics', metrics);
  app.decorate('recentRequests', recentRequests);
  app.decorate('requestObserver', observer);
  app.decorate('accountRouter', accountRouter);
  observeRequests(app, observer, dependencies.now);

  app.addHook('onRequest', async (request, reply) => {
    void reply.header('request-id', request.id);
    void reply.header('x-request-id', request.id);
    rememberProtocol(request);
    shutdown.track(reply);
    if (shutdown.draining) {
      void reply.header('connection', 'close');
      throw shuttingDown('it takes no new requests');
    }
  });
  await app.register(cors, {
    // No CORS headers at all unless the origin is listed.
    origin: (origin, callback) => callback(null, origin != null && (config.corsOrigins.includes(origin) || config.corsOrigins.includes('*'))),
    exposedHeaders: ['request-id', 'x-request-id', 'x-proxy-ignored', 'retry-after', ...QUOTA_HEADER_NAMES],
  });
  app.decorateRequest('caller', undefined);
  app.addHook('onRequest', createSecurityHook(config));

  app.setErrorHandler((error, request, reply) => handleError(error, request, reply));
  app.setNotFoundHandler((request, reply) => {
    handleError(new ProxyError('not_found', `${request.method} ${request.url.split('?')[0]} is not an endpoint of claude-cli-proxy`), request, reply);
  });

  for (const api of APIS) api.register(app, dependencies);
  registerModelRoutes(app);
  registerHealthRoute(app, dependencies);
  registerObservabilityRoutes(app, dependencies);
  registerStatusPage(app);
  app.addHook('onClose', async () => dependencies.runner.shutdown());
  if (config.defaultModel != null) {
    // DEFAULT_MODEL (the original claude-code-proxy's setting): a request without a model is served by it, through
    // the `default` name every converter accepts and run-turn.ts replaces.
    app.addHook('preHandler', async (request) => {
      const body = request.body as { model?: unknown } | null | undefined;
      if (request.method === 'POST' && typeof body === 'object' && body != null && !Array.isArray(body) && (body.model == null || body.model === ''))
        body.model = 'default';
    });
  }
  return app;
}
