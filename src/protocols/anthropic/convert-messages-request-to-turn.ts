/**
 * @module
 * PURE. An Anthropic Messages request as the internal TurnRequest, plus the request fields the CLI cannot honour
 * (reported to the client in `x-proxy-ignored`, never silently pretended).
 */
import { resolveModel } from '../../core/models.ts';
import type { ConversationMessage, ThinkingSetting, TurnRequest } from '../../core/turn-request.ts';
import { ProxyError } from '../../errors.ts';
import type { MessagesRequest } from './anthropic-wire.ts';

/** Accepted and not applied: the CLI has no way to pass them upstream. */
const IGNORED_FIELDS = ['temperature', 'top_p', 'top_k', 'metadata', 'service_tier', 'tools', 'tool_choice', 'container', 'mcp_servers', 'context_management', 'inference_geo', 'speed'] as const;

export interface ConvertedRequest {
  turn: TurnRequest;
  ignored: string[];
}

export function convertMessagesRequestToTurn(request: MessagesRequest): ConvertedRequest {
  const model = resolveModel(request.model);
  request.messages.forEach((message, index) => {
    if (message.role === 'system') {
      throw new ProxyError('invalid_request', `messages.${index}.role: mid-conversation system messages are not supported yet; put the text in "system"`, {
        param: `messages.${index}.role`,
      });
    }
  });
  const ignored: string[] = IGNORED_FIELDS.filter((field) => request[field] != null && !(Array.isArray(request[field]) && (request[field] as unknown[]).length === 0));
  return {
    turn: {
      model,
      system: systemTexts(request.system),
      messages: request.messages as unknown as ConversationMessage[],
      maxTokens: request.max_tokens,
      thinking: thinkingSetting(request.thinking),
      effort: request.output_config?.effort,
      stopSequences: request.stop_sequences ?? [],
      outputSchema: (request.output_config?.format ?? request.output_format)?.schema,
    },
    ignored,
  };
}

function systemTexts(system: MessagesRequest['system']): string[] {
  if (system == null) return [];
  if (typeof system === 'string') return system === '' ? [] : [system];
  return system.map((block) => block.text).filter((text) => text !== '');
}

function thinkingSetting(thinking: MessagesRequest['thinking']): ThinkingSetting {
  if (thinking == null) return { type: 'disabled' };
  switch (thinking.type) {
    case 'enabled':
      return { type: 'enabled', budgetTokens: thinking.budget_tokens };
    case 'adaptive':
      return { type: 'adaptive' };
    case 'disabled':
      return { type: 'disabled' };
  }
}
