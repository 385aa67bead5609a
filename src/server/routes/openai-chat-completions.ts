/**
 * @module
 * POST /v1/chat/completions (also /chat/completions, for clients whose base URL lacks /v1): streaming and not,
 * on the same turn core as the Messages API, through one pure translator.
 */
import { randomBytes } from 'node:crypto';
import type { RawMessageStreamEvent } from '@anthropic-ai/sdk/resources/messages';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { streamTurnEvents } from '../../core/stream-turn-events.ts';
import { accumulateMessage, createMessageAccumulator, finishMessage } from '../../protocols/anthropic/accumulate-message.ts';
import { convertAnthropicEventsToChunks } from './openai-chat-frames.ts';
import { convertAnthropicMessageToOpenAIChatCompletion } from '../../protocols/openai-chat/convert-anthropic-message-to-openai-chat-completion.ts';
import { convertOpenAIChatRequestToTurn } from '../../protocols/openai-chat/convert-openai-chat-request-to-turn.ts';
import { formatOpenAIError } from '../../protocols/openai-chat/format-openai-error.ts';
import { chatCompletionRequestSchema } from '../../protocols/openai-chat/openai-chat-wire.ts';
import { parseRequestBody } from '../../protocols/parse-request-body.ts';
import { abortOnDisconnect } from '../abort-on-disconnect.ts';
import type { AppDependencies } from '../create-app.ts';
import { streamSseResponse } from '../stream-sse-response.ts';

export function registerOpenAIChatCompletionsRoutes(app: FastifyInstance, dependencies: AppDependencies): void {
  const { runner, config, now } = dependencies;

  async function handle(request: FastifyRequest, reply: FastifyReply) {
    const body = parseRequestBody(chatCompletionRequestSchema, request.body);
    const { turn, ignored, stream, includeUsage } = convertOpenAIChatRequestToTurn(body);
    if (ignored.length > 0) void reply.header('x-proxy-ignored', ignored.join(', '));
    let started = false;
    const events: AsyncIterable<RawMessageStreamEvent> = streamTurnEvents(runner, turn, { signal: abortOnDisconnect(reply), log: request.log, now, onStarted: () => (started = true) });
    const id = `chatcmpl-${randomBytes(15).toString('base64url')}`;
    const created = Math.floor(now() / 1000);

    if (stream) {
      await streamSseResponse(request, reply, convertAnthropicEventsToChunks(events, { id, created, includeUsage, model: turn.model }), {
        keepAlive: { comment: 'keep-alive' },
        errorFrames: (error) => [{ data: formatOpenAIError(error) }],
        endFrames: [{ rawData: '[DONE]' }],
      }, { keepAliveMs: config.keepAliveIntervalMs, now, started: () => started });
      return reply;
    }
    const accumulator = createMessageAccumulator();
    for await (const event of events) accumulateMessage(accumulator, event);
    return convertAnthropicMessageToOpenAIChatCompletion(finishMessage(accumulator), { id, created });
  }

  for (const path of ['/v1/chat/completions', '/chat/completions']) {
    app.post(path, { config: { protocol: 'openai' } }, handle);
  }
}
