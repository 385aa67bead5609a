/**
 * @module
 * Builds the Fastify app from injected dependencies (CLI runner, clock, CLI status). Never listens itself.
 */
import { randomBytes } from 'node:crypto';
import cors from '@fastify/cors';
import Fastify, { type FastifyInstance } from 'fastify';
import type { CliRunner } from '../cli/cli-runner.ts';
import type { CliProbe } from '../cli/probe-cli.ts';
import { BODY_LIMIT_BYTES, type Config } from '../config.ts';
import { ProxyError } from '../errors.ts';
import { handleError } from './render-error.ts';
import { registerAnthropicMessagesRoutes } from './routes/anthropic-messages.ts';
import { registerHealthRoute } from './routes/health.ts';
import { registerModelRoutes } from './routes/models.ts';
import { registerOpenAIChatCompletionsRoutes } from './routes/openai-chat-completions.ts';
import { registerOpenAIResponsesRoutes } from './routes/openai-responses.ts';
import { createSecurityHook } from './security.ts';

export interface AppDependencies {
  config: Config;
  runner: CliRunner;
  /** The CLI's version and login state (cached by the caller). */
  cliStatus: () => Promise<CliProbe>;
  now: () => number;
}

export async function createApp(dependencies: AppDependencies): Promise<FastifyInstance> {
  const { config } = dependencies;
  const app = Fastify({
    logger: { level: config.logLevel },
    bodyLimit: BODY_LIMIT_BYTES,
    genReqId: () => `req_${randomBytes(12).toString('base64url')}`,
    // Clients send model ids such as "opus[1m]" in paths.
    routerOptions: { maxParamLength: 200 },
  });

  app.addHook('onRequest', async (request, reply) => {
    void reply.header('request-id', request.id);
    void reply.header('x-request-id', request.id);
  });
  await app.register(cors, {
    // No CORS headers at all unless the origin is listed.
    origin: (origin, callback) => callback(null, origin != null && (config.corsOrigins.includes(origin) || config.corsOrigins.includes('*'))),
    exposedHeaders: ['request-id', 'x-request-id', 'x-proxy-ignored', 'retry-after'],
  });
  app.addHook('onRequest', createSecurityHook(config));

  app.setErrorHandler((error, request, reply) => handleError(error, request, reply));
  app.setNotFoundHandler((request, reply) => {
    handleError(new ProxyError('not_found', `${request.method} ${request.url.split('?')[0]} is not an endpoint of claude-cli-proxy`), request, reply);
  });

  registerAnthropicMessagesRoutes(app, dependencies);
  registerOpenAIChatCompletionsRoutes(app, dependencies);
  registerOpenAIResponsesRoutes(app, dependencies);
  registerModelRoutes(app);
  registerHealthRoute(app, dependencies);
  app.addHook('onClose', async () => dependencies.runner.shutdown());
  return app;
}
