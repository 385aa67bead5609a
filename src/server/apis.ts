/**
 * @module
 * The APIs the proxy serves, in one list: each is registered from here, and a request's error shape is looked up
 * here. A new API is one more line.
 */
import type { Api } from './api.ts';
import { anthropicMessagesApi } from './routes/anthropic-messages.ts';
import { openAIChatCompletionsApi } from './routes/openai-chat-completions.ts';
import { openAIResponsesApi } from './routes/openai-responses.ts';

export const APIS: readonly Api[] = [anthropicMessagesApi, openAIChatCompletionsApi, openAIResponsesApi];
