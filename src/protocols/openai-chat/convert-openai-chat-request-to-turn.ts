/**
 * @module
 * PURE. An OpenAI Chat Completions request as the internal TurnRequest. System and developer messages become the
 * system prompt; the rest become Anthropic turns (merged later when consecutive, see core/normalize-conversation.ts);
 * fields the CLI cannot honour are returned in `ignored` for the `x-proxy-ignored` header.
 */
import type { ContentBlockParam, TextBlockParam } from '@anthropic-ai/sdk/resources/messages';
import { validateStopSequences } from '../../core/apply-stop-sequences.ts';
import { selectTools, validateClientTools, type ToolChoice } from '../../core/client-tools.ts';
import { resolveModel } from '../../core/models.ts';
import type { ClientTool, ConversationMessage as MessageParam, TurnRequest } from '../../core/turn-request.ts';
import { assertNever, ProxyError, quoteClientValue } from '../../errors.ts';
import { imageBlockFromUrl, pdfBlockFromFileData } from '../openai-common/convert-openai-media-to-block.ts';
import { joinTextParts } from '../openai-common/join-text-parts.ts';
import { mapReasoningEffortToThinking } from '../openai-common/map-reasoning-effort-to-thinking.ts';
import { parseFunctionArguments } from '../openai-common/parse-function-arguments.ts';
import type { ChatCompletionRequest, ChatMessage } from './openai-chat-wire.ts';

/** Accepted, not applied: the CLI cannot pass them upstream (functions/function_call: deprecated, use tools). */
const IGNORED_FIELDS = [
  'temperature',
  'top_p',
  'seed',
  'frequency_penalty',
  'presence_penalty',
  'logit_bias',
  'logprobs',
  'top_logprobs',
  'functions',
  'function_call',
  'user',
  'safety_identifier',
  'metadata',
  'store',
  'service_tier',
  'prediction',
  'modalities',
  'audio',
  'web_search_options',
  'verbosity',
  'prompt_cache_key',
  'prompt_cache_retention',
] as const;

export interface ConvertedChatRequest {
  turn: TurnRequest;
  ignored: string[];
  stream: boolean;
  includeUsage: boolean;
}

export function convertOpenAIChatRequestToTurn(request: ChatCompletionRequest): ConvertedChatRequest {
  const model = resolveModel(request.model);
  if (request.n != null && request.n > 1) {
    throw new ProxyError('invalid_request', 'n: only n=1 is supported (the CLI gives one answer per request); send parallel requests instead', { param: 'n' });
  }
  const system: string[] = [];
  const messages: MessageParam[] = [];
  request.messages.forEach((message, index) => {
    if (message.role === 'system' || message.role === 'developer') {
      const text = joinTextParts(message.content, `messages.${index}.content`);
      if (text !== '') system.push(text);
      return;
    }
    // Consecutive same-role turns (a tool result then a user text) are merged later, once for every API.
    const converted = convertMessage(message, index);
    if (converted != null) messages.push(converted);
  });
  const stopSequences = request.stop == null ? [] : typeof request.stop === 'string' ? [request.stop] : request.stop;
  validateStopSequences(stopSequences, 'stop');
  const thinking = mapReasoningEffortToThinking(request.reasoning_effort, 'reasoning_effort');
  const ignored: string[] = IGNORED_FIELDS.filter((field) => isSet(request[field]));
  const choice = toolChoice(request.tool_choice);
  if (choice === 'unsupported') ignored.push('tool_choice');
  const { tools, choiceIgnored } = selectTools(clientTools(request.tools ?? []), choice === 'unsupported' ? undefined : choice, messages);
  if (choiceIgnored) ignored.push('tool_choice');
  return {
    turn: {
      model,
      system,
      messages,
      maxTokens: request.max_completion_tokens ?? request.max_tokens ?? undefined,
      thinking: thinking.thinking,
      effort: thinking.effort,
      stopSequences,
      outputSchema: outputSchemaFor(request.response_format),
      tools,
      parallelToolCalls: request.parallel_tool_calls !== false,
      // Chat Completions has no field for them: the x-mcp-servers header names them (server/run-turn.ts).
      mcpServers: [],
    },
    ignored,
    stream: request.stream === true,
    includeUsage: request.stream_options?.include_usage === true,
  };
}

function isSet(value: unknown): boolean {
  return value != null && value !== false && !(Array.isArray(value) && value.length === 0);
}

function clientTools(tools: NonNullable<ChatCompletionRequest['tools']>): ClientTool[] {
  const converted = tools.map((tool, index): ClientTool => {
    if (tool.type !== 'function' || tool.function == null) {
      throw new ProxyError('invalid_request', `tools.${index}.type: only function tools are supported, got ${quoteClientValue(tool.type)}`, {
        param: `tools.${index}.type`,
      });
    }
    const { name, description, parameters } = tool.function;
    // OpenAI allows a function without parameters; the model then sees an empty object schema.
    return { name, description: description ?? undefined, inputSchema: parameters ?? { type: 'object', properties: {} } };
  });
  validateClientTools(converted, (index) => `tools.${index}.function`);
  return converted;
}

function toolChoice(choice: ChatCompletionRequest['tool_choice']): ToolChoice | 'unsupported' | undefined {
  if (choice == null) return undefined;
  if (choice === 'auto') return { type: 'auto' };
  if (choice === 'none') return { type: 'none' };
  if (choice === 'required') return { type: 'any' };
  if (choice.type === 'function' && 'function' in choice) return { type: 'tool', name: (choice.function as { name: string }).name };
  // allowed_tools and custom choices have no equivalent.
  return 'unsupported';
}

function outputSchemaFor(format: ChatCompletionRequest['response_format']): Record<string, unknown> | undefined {
  switch (format?.type) {
    case undefined:
    case 'text':
      return undefined;
    case 'json_object':
      return { type: 'object' };
    case 'json_schema':
      return format.json_schema.schema ?? { type: 'object' };
    default:
      return assertNever(format, 'response_format');
  }
}

function convertMessage(message: Exclude<ChatMessage, { role: 'system' | 'developer' }>, index: number): MessageParam | undefined {
  const path = `messages.${index}`;
  switch (message.role) {
    case 'user':
      return { role: 'user', content: userContent(message.content, `${path}.content`) };
    case 'assistant': {
      const blocks: ContentBlockParam[] = [];
      const text = joinTextParts(message.content, `${path}.content`);
      if (text !== '') blocks.push({ type: 'text', text });
      for (const [callIndex, call] of (message.tool_calls ?? []).entries()) {
        blocks.push({
          type: 'tool_use',
          id: call.id,
          name: call.function.name,
          input: parseFunctionArguments(call.function.arguments, `${path}.tool_calls.${callIndex}.function.arguments`),
        });
      }
      // An assistant turn with nothing in it cannot be sent upstream (the API rejects empty content).
      return blocks.length > 0 ? { role: 'assistant', content: blocks } : undefined;
    }
    case 'tool':
      return {
        role: 'user',
        content: [{ type: 'tool_result', tool_use_id: message.tool_call_id, content: joinTextParts(message.content, `${path}.content`) }],
      };
    case 'function':
      throw new ProxyError('invalid_request', `${path}.role: "function" messages are deprecated and not supported; use "tool" messages with tool_call_id`, {
        param: `${path}.role`,
      });
    default:
      return assertNever(message, 'message role');
  }
}

/** Text of string or text-part content (system, developer, assistant and tool messages). */

function userContent(content: ChatMessage['content'], path: string): string | ContentBlockParam[] {
  if (content == null) return '';
  if (typeof content === 'string') return content;
  return content.map((part, index): ContentBlockParam => {
    const partPath = `${path}.${index}`;
    switch (part.type) {
      case 'text':
      case 'input_text':
        if (typeof part.text !== 'string') throw new ProxyError('invalid_request', `${partPath}.text: Field required`, { param: `${partPath}.text` });
        return { type: 'text', text: part.text } satisfies TextBlockParam;
      case 'image_url':
        return imageBlockFromUrl((part.image_url as { url?: unknown } | undefined)?.url, `${partPath}.image_url.url`);
      case 'file':
        return pdfBlockFromFileData(part.file as { file_data?: unknown; filename?: unknown } | undefined, `${partPath}.file`);
      default:
        throw new ProxyError(
          'invalid_request',
          `${partPath}.type: content parts of type ${quoteClientValue(part.type)} are not supported (text, image_url and PDF file parts are)`,
          {
            param: `${partPath}.type`,
          },
        );
    }
  });
}
