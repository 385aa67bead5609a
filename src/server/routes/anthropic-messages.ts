/**
 * @module
 * POST /v1/messages (streaming and not) and POST /v1/messages/count_tokens. `?beta=true`, any anthropic-version
 * and any anthropic-beta are accepted: the route does not depend on them.
 */
import type { RawMessageStreamEvent } from '@anthropic-ai/sdk/resources/messages';
import type { FastifyInstance } from 'fastify';
import { countTokensRequestSchema, messagesRequestSchema } from '../../protocols/anthropic/anthropic-wire.ts';
import { convertMessagesRequestToTurn } from '../../protocols/anthropic/convert-messages-request-to-turn.ts';
import { estimateInputTokens } from '../../protocols/anthropic/estimate-input-tokens.ts';
import { formatAnthropicError } from '../../protocols/anthropic/format-anthropic-error.ts';
import { parseRequestBody } from '../../protocols/parse-request-body.ts';
import type { Api } from '../api.ts';
import type { AppDependencies } from '../create-app.ts';
import { collectMessage, runTurn } from '../run-turn.ts';
import type { SseFrame } from '../sse-stream.ts';
import { streamSseResponse } from '../stream-sse-response.ts';

export const anthropicMessagesApi: Api = {
  name: 'Anthropic Messages',
  errorShape: 'anthropic',
  pathPrefixes: ['/v1/messages', '/v1/complete'],
  register: registerAnthropicMessagesRoutes,
};

function registerAnthropicMessagesRoutes(app: FastifyInstance, dependencies: AppDependencies): void {
  const { config, now } = dependencies;

  app.post('/v1/messages', { config: { errorShape: 'anthropic' } }, async (request, reply) => {
    const body = parseRequestBody(messagesRequestSchema, request.body);
    const { turn, ignored } = convertMessagesRequestToTurn(body);
    const { events, started } = runTurn(request, reply, dependencies, turn, ignored);

    if (body.stream === true) {
      await streamSseResponse(
        request,
        reply,
        toFrames(events),
        {
          keepAlive: { event: 'ping', data: { type: 'ping' } },
          errorFrames: (error) => {
            const { error: detail } = formatAnthropicError(error, request.id);
            return [{ event: 'error', data: { type: 'error', error: detail } }];
          },
          endFrames: [],
        },
        { keepAliveMs: config.keepAliveIntervalMs, now, started },
      );
      return reply;
    }
    return collectMessage(events);
  });

  app.post('/v1/messages/count_tokens', { config: { errorShape: 'anthropic' } }, async (request, reply) => {
    const body = parseRequestBody(countTokensRequestSchema, request.body);
    void reply.header('x-proxy-estimate', 'local');
    return { input_tokens: estimateInputTokens(body) };
  });
}

async function* toFrames(events: AsyncIterable<RawMessageStreamEvent>): AsyncGenerator<SseFrame[]> {
  for await (const event of events) yield [{ event: event.type, data: event }];
}
