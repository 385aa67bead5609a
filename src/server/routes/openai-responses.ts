/**
 * @module
 * POST /v1/responses (also /responses, for clients whose base URL lacks /v1): the OpenAI Responses API, streaming
 * and not, stateless, on the same turn core as the other APIs, through one pure translator.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { convertAnthropicMessageToOpenAIResponse } from '../../protocols/openai-responses/convert-anthropic-message-to-openai-response.ts';
import { convertOpenAIResponsesRequestToTurn } from '../../protocols/openai-responses/convert-openai-responses-request-to-turn.ts';
import { createResponseSkeleton } from '../../protocols/openai-responses/create-response-skeleton.ts';
import { responsesRequestSchema } from '../../protocols/openai-responses/openai-responses-wire.ts';
import { parseRequestBody } from '../../protocols/parse-request-body.ts';
import type { Api } from '../api.ts';
import type { AppDependencies } from '../create-app.ts';
import { collectMessage, runTurn } from '../run-turn.ts';
import { streamSseResponse } from '../stream-sse-response.ts';
import { convertAnthropicEventsToResponsesFrames } from './openai-responses-frames.ts';

export const openAIResponsesApi: Api = {
  name: 'OpenAI Responses',
  errorShape: 'openai',
  pathPrefixes: ['/v1/responses', '/responses'],
  register: registerOpenAIResponsesRoutes,
};

function registerOpenAIResponsesRoutes(app: FastifyInstance, dependencies: AppDependencies): void {
  const { config, now } = dependencies;

  async function handle(request: FastifyRequest, reply: FastifyReply) {
    const body = parseRequestBody(responsesRequestSchema, request.body);
    const { turn, ignored, stream, reasoningSummary } = convertOpenAIResponsesRequestToTurn(body);
    const { events, started } = runTurn(request, reply, dependencies, turn, ignored);
    const skeleton = createResponseSkeleton(body, { id: `resp_${randomBytes(24).toString('hex')}`, createdAt: Math.floor(now() / 1000), model: turn.model });

    if (stream) {
      const { frames, errorFrames } = convertAnthropicEventsToResponsesFrames(events, { response: skeleton, reasoningSummary });
      await streamSseResponse(
        request,
        reply,
        frames,
        {
          keepAlive: { comment: 'keep-alive' },
          errorFrames,
          endFrames: [],
        },
        { keepAliveMs: config.keepAliveIntervalMs, now, started },
      );
      return reply;
    }
    return convertAnthropicMessageToOpenAIResponse(await collectMessage(events), { skeleton, reasoningSummary });
  }

  for (const path of ['/v1/responses', '/responses']) {
    app.post(path, { config: { errorShape: 'openai' } }, handle);
  }
}
