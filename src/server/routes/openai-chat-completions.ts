/**
 * @module
 * POST /v1/chat/completions (also /chat/completions, for clients whose base URL lacks /v1): streaming and not,
 * on the same turn core as the Messages API, through one pure translator.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { convertAnthropicEventsToChunks } from './openai-chat-frames.ts';
import { convertAnthropicMessageToOpenAIChatCompletion } from '../../protocols/openai-chat/convert-anthropic-message-to-openai-chat-completion.ts';
import { convertOpenAIChatRequestToTurn } from '../../protocols/openai-chat/convert-openai-chat-request-to-turn.ts';
import { formatOpenAIError } from '../../protocols/openai-common/format-openai-error.ts';
import { chatCompletionRequestSchema } from '../../protocols/openai-chat/openai-chat-wire.ts';
import { parseRequestBody } from '../../protocols/parse-request-body.ts';
import type { Api } from '../api.ts';
import type { AppDependencies } from '../create-app.ts';
import { collectMessage, runTurn } from '../run-turn.ts';
import { streamSseResponse } from '../stream-sse-response.ts';

export const openAIChatCompletionsApi: Api = {
  name: 'OpenAI Chat Completions',
  errorShape: 'openai',
  pathPrefixes: ['/v1/chat', '/chat/completions', '/v1/completions', '/v1/embeddings'],
  register: registerOpenAIChatCompletionsRoutes,
};

function registerOpenAIChatCompletionsRoutes(app: FastifyInstance, dependencies: AppDependencies): void {
  const { config, now } = dependencies;

  async function handle(request: FastifyRequest, reply: FastifyReply) {
    const body = parseRequestBody(chatCompletionRequestSchema, request.body);
    const { turn, ignored, stream, includeUsage } = convertOpenAIChatRequestToTurn(body);
    const { events, started } = runTurn(request, reply, dependencies, turn, ignored);
    const id = `chatcmpl-${randomBytes(15).toString('base64url')}`;
    const created = Math.floor(now() / 1000);

    if (stream) {
      await streamSseResponse(
        request,
        reply,
        convertAnthropicEventsToChunks(events, { id, created, includeUsage, model: turn.model }),
        {
          keepAlive: { comment: 'keep-alive' },
          errorFrames: (error) => [{ data: formatOpenAIError(error) }],
          endFrames: [{ rawData: '[DONE]' }],
        },
        { keepAliveMs: config.keepAliveIntervalMs, now, started },
      );
      return reply;
    }
    return convertAnthropicMessageToOpenAIChatCompletion(await collectMessage(events), { id, created });
  }

  for (const path of ['/v1/chat/completions', '/chat/completions']) {
    app.post(path, { config: { errorShape: 'openai' } }, handle);
  }
}
