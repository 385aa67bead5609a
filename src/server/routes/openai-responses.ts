/**
 * @module
 * POST /v1/responses (also /responses, for clients whose base URL lacks /v1): the OpenAI Responses API, streaming
 * and not, stateless, on the same turn core as the other APIs, through one pure translator.
 */
import { randomBytes } from 'node:crypto';
import type { RawMessageStreamEvent } from '@anthropic-ai/sdk/resources/messages';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { streamTurnEvents } from '../../core/stream-turn-events.ts';
import { accumulateMessage, createMessageAccumulator, finishMessage } from '../../protocols/anthropic/accumulate-message.ts';
import { convertAnthropicMessageToOpenAIResponse } from '../../protocols/openai-responses/convert-anthropic-message-to-openai-response.ts';
import { convertOpenAIResponsesRequestToTurn } from '../../protocols/openai-responses/convert-openai-responses-request-to-turn.ts';
import { createResponseSkeleton } from '../../protocols/openai-responses/create-response-skeleton.ts';
import { responsesRequestSchema } from '../../protocols/openai-responses/openai-responses-wire.ts';
import { parseRequestBody } from '../../protocols/parse-request-body.ts';
import { abortOnDisconnect } from '../abort-on-disconnect.ts';
import type { AppDependencies } from '../create-app.ts';
import { streamSseResponse } from '../stream-sse-response.ts';
import { convertAnthropicEventsToResponsesFrames } from './openai-responses-frames.ts';

export function registerOpenAIResponsesRoutes(app: FastifyInstance, dependencies: AppDependencies): void {
  const { runner, config, now } = dependencies;

  async function handle(request: FastifyRequest, reply: FastifyReply) {
    const body = parseRequestBody(responsesRequestSchema, request.body);
    const { turn, ignored, stream, reasoningSummary } = convertOpenAIResponsesRequestToTurn(body);
    if (ignored.length > 0) void reply.header('x-proxy-ignored', ignored.join(', '));
    let started = false;
    const events: AsyncIterable<RawMessageStreamEvent> = streamTurnEvents(runner, turn, { signal: abortOnDisconnect(reply), log: request.log, now, onStarted: () => (started = true) });
    const skeleton = createResponseSkeleton(body, { id: `resp_${randomBytes(24).toString('hex')}`, createdAt: Math.floor(now() / 1000), model: turn.model });

    if (stream) {
      const { frames, errorFrames } = convertAnthropicEventsToResponsesFrames(events, { response: skeleton, reasoningSummary });
      await streamSseResponse(request, reply, frames, {
        keepAlive: { comment: 'keep-alive' },
        errorFrames,
        endFrames: [],
      }, { keepAliveMs: config.keepAliveIntervalMs, now, started: () => started });
      return reply;
    }
    const accumulator = createMessageAccumulator();
    for await (const event of events) accumulateMessage(accumulator, event);
    return convertAnthropicMessageToOpenAIResponse(finishMessage(accumulator), { skeleton, reasoningSummary });
  }

  for (const path of ['/v1/responses', '/responses']) {
    app.post(path, { config: { protocol: 'openai' } }, handle);
  }
}
