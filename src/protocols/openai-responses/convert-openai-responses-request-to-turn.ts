/**
 * @module
 * PURE. An OpenAI Responses request as the internal TurnRequest. `instructions`, then system and developer messages,
 * become the system prompt; messages, function calls and their outputs become Anthropic turns (merged later when
 * consecutive, see core/normalize-conversation.ts). The proxy is stateless: anything that needs OpenAI's storage
 * (previous_response_id, conversation, stored prompts, item references, background runs) is a 400 that says so.
 * Hosted tools and the items they produce cannot run here: they are dropped and named in `ignored` (x-proxy-ignored).
 */
import type { ContentBlockParam, DocumentBlockParam, ImageBlockParam, TextBlockParam, ToolResultBlockParam } from '@anthropic-ai/sdk/resources/messages';
import { z } from 'zod';
import { selectTools, validateClientTools, type ToolChoice } from '../../core/client-tools.ts';
import type { McpServerRequest } from '../../core/mcp-servers.ts';
import { resolveModel } from '../../core/models.ts';
import type { ClientTool, ConversationMessage, TurnRequest } from '../../core/turn-request.ts';
import { assertNever, ProxyError, quoteClientValue } from '../../errors.ts';
import { imageBlockFromUrl, pdfBlockFromFileData } from '../openai-common/convert-openai-media-to-block.ts';
import { decodeReasoningAsThinking } from './encode-thinking-as-reasoning.ts';
import { joinTextParts } from '../openai-common/join-text-parts.ts';
import { mapReasoningEffortToThinking } from '../openai-common/map-reasoning-effort-to-thinking.ts';
import { parseFunctionArguments } from '../openai-common/parse-function-arguments.ts';
import type { ResponsesInputItem, ResponsesRequest } from './openai-responses-wire.ts';

/** Accepted, not applied: the CLI cannot pass them upstream. `store: false` is what the proxy does anyway. */
const IGNORED_FIELDS = [
  'temperature',
  'top_p',
  'top_logprobs',
  'user',
  'safety_identifier',
  'metadata',
  'store',
  'service_tier',
  'prompt_cache_key',
  'prompt_cache_retention',
  'include',
  'max_tool_calls',
  'context_management',
] as const;

export interface ConvertedResponsesRequest {
  turn: TurnRequest;
  ignored: string[];
  stream: boolean;
  /** The client asked for reasoning summaries: only then is the thinking text sent, as the summary (as OpenAI does). */
  reasoningSummary: boolean;
}

export function convertOpenAIResponsesRequestToTurn(request: ResponsesRequest): ConvertedResponsesRequest {
  rejectStatefulFields(request);
  const model = resolveModel(request.model);
  const ignored: string[] = IGNORED_FIELDS.filter((field) => isSet(request[field]));
  if (request.truncation === 'auto') ignored.push('truncation');
  if (request.text?.verbosity != null) ignored.push('text.verbosity');
  if (request.stream_options?.include_obfuscation === true) ignored.push('stream_options.include_obfuscation');

  const system: string[] = [];
  if (request.instructions != null && request.instructions !== '') system.push(request.instructions);
  const messages: ConversationMessage[] = [];
  const items = typeof request.input === 'string' ? [{ type: 'message', role: 'user', content: request.input }] : request.input;
  items.forEach((item, index) => convertItem(item, `input.${index}`, { system, messages, ignored }));
  // Named here: the core's own check would name a `messages` field this API does not have.
  if (messages.length === 0) {
    throw new ProxyError('invalid_request', 'input: at least one user message or function_call_output item is required', { param: 'input' });
  }

  const { tools: declared, dropped, mcpServers } = clientTools(request.tools ?? []);
  ignored.push(...dropped);
  const choice = toolChoice(request.tool_choice);
  if (choice === 'unsupported') ignored.push('tool_choice');
  const { tools, choiceIgnored } = selectTools(declared, choice === 'unsupported' ? undefined : choice, messages);
  if (choiceIgnored) ignored.push('tool_choice');

  const thinking = mapReasoningEffortToThinking(request.reasoning?.effort, 'reasoning.effort');
  const summary = request.reasoning?.summary ?? request.reasoning?.generate_summary;
  return {
    turn: {
      model,
      system,
      messages,
      maxTokens: request.max_output_tokens ?? undefined,
      thinking: thinking.thinking,
      effort: thinking.effort,
      stopSequences: [],
      outputSchema: outputSchemaFor(request.text?.format),
      tools,
      parallelToolCalls: request.parallel_tool_calls !== false,
      mcpServers,
    },
    ignored: [...new Set(ignored)],
    stream: request.stream === true,
    reasoningSummary: summary != null,
  };
}

const STATELESS = 'claude-cli-proxy is stateless and stores no responses or conversations: send the whole conversation in input, with store: false';

function rejectStatefulFields(request: ResponsesRequest): void {
  if (request.previous_response_id != null) {
    throw new ProxyError('invalid_request', `previous_response_id: not supported; ${STATELESS}`, { param: 'previous_response_id' });
  }
  if (request.conversation != null) throw new ProxyError('invalid_request', `conversation: not supported; ${STATELESS}`, { param: 'conversation' });
  if (request.prompt != null) {
    throw new ProxyError(
      'invalid_request',
      'prompt: stored prompt templates are not available through claude-cli-proxy; send the prompt text in instructions and input',
      { param: 'prompt' },
    );
  }
  if (request.background === true) {
    throw new ProxyError('invalid_request', `background: background responses need storage to be polled; ${STATELESS}`, { param: 'background' });
  }
}

function isSet(value: unknown): boolean {
  return value != null && value !== false && !(Array.isArray(value) && value.length === 0);
}

// ---------------------------------------------------------------------------------------------------------------
// Input items

const partsSchema = z.array(z.looseObject({ type: z.string() }));
const contentSchema = z.union([z.string(), partsSchema]);
const messageItemSchema = z.looseObject({ role: z.enum(['user', 'assistant', 'system', 'developer']), content: contentSchema });
const functionCallItemSchema = z.looseObject({ call_id: z.string().min(1), name: z.string().min(1), arguments: z.string() });
const mcpCallItemSchema = z.looseObject({
  id: z.string().min(1),
  server_label: z.string().min(1),
  name: z.string().min(1),
  arguments: z.string(),
  output: z.string().nullish(),
  error: z.string().nullish(),
});
const functionCallOutputItemSchema = z.looseObject({ call_id: z.string().min(1), output: contentSchema });

type Content = z.infer<typeof contentSchema>;

interface Conversation {
  system: string[];
  messages: ConversationMessage[];
  ignored: string[];
}

function convertItem(item: ResponsesInputItem, path: string, conversation: Conversation): void {
  // Easy input messages may leave out the type.
  const type = item.type ?? ('role' in item ? 'message' : undefined);
  switch (type) {
    case 'message': {
      const message = parseItem(messageItemSchema, item, path);
      if (message.role === 'system' || message.role === 'developer') {
        const text = joinTextParts(message.content, `${path}.content`);
        if (text !== '') conversation.system.push(text);
      } else if (message.role === 'user') {
        conversation.messages.push({ role: 'user', content: userContent(message.content, `${path}.content`) });
      } else {
        const text = joinTextParts(message.content, `${path}.content`);
        // An assistant turn with nothing in it cannot be sent upstream (the API rejects empty content).
        if (text !== '') conversation.messages.push({ role: 'assistant', content: [{ type: 'text', text }] });
      }
      return;
    }
    case 'function_call': {
      const call = parseItem(functionCallItemSchema, item, path);
      conversation.messages.push({
        role: 'assistant',
        content: [{ type: 'tool_use', id: call.call_id, name: call.name, input: parseFunctionArguments(call.arguments, `${path}.arguments`) }],
      });
      return;
    }
    case 'function_call_output': {
      const output = parseItem(functionCallOutputItemSchema, item, path);
      conversation.messages.push({
        role: 'user',
        content: [{ type: 'tool_result', tool_use_id: output.call_id, content: toolResultContent(output.output, `${path}.output`) }],
      });
      return;
    }
    case 'reasoning': {
      // This proxy's reasoning items carry the thinking block itself and become it again (the API needs it before a
      // tool_use when thinking is on). Other reasoning (OpenAI's) has no Anthropic signature and cannot be replayed:
      // dropped, without a header, as clients such as Codex send every reasoning item back on every turn.
      const thinking = decodeReasoningAsThinking((item as { encrypted_content?: unknown }).encrypted_content);
      if (thinking != null) conversation.messages.push({ role: 'assistant', content: [thinking] });
      return;
    }
    case 'mcp_call': {
      // A call the CLI ran on an MCP server, sent back: the exchange the model had (core/expand-mcp-tool-blocks.ts).
      const call = parseItem(mcpCallItemSchema, item, path);
      const toolUseId = toolUseIdOfMcpCall(call.id);
      const failed = call.error != null && call.error !== '';
      conversation.messages.push({
        role: 'assistant',
        content: [
          {
            type: 'mcp_tool_use',
            id: toolUseId,
            name: call.name,
            server_name: call.server_label,
            input: parseFunctionArguments(call.arguments, `${path}.arguments`),
          },
          // MCP results reach the model as text blocks (the CLI passes the server's content as blocks).
          { type: 'mcp_tool_result', tool_use_id: toolUseId, is_error: failed, content: textBlocks((failed ? call.error : call.output) ?? '') },
        ] as unknown as ContentBlockParam[],
      });
      return;
    }
    case 'mcp_list_tools':
    case 'mcp_approval_request':
    case 'mcp_approval_response':
      // What the servers offer, and approvals (calls here run without one): nothing the model saw.
      return;
    case 'item_reference':
      throw new ProxyError('invalid_request', `${path}: item references need stored items; ${STATELESS}`, { param: path });
    case undefined:
      throw new ProxyError('invalid_request', `${path}.type: Field required (an item needs a type, or a role for a message)`, { param: `${path}.type` });
    default:
      // Calls and outputs of hosted or custom tools (web_search_call, custom_tool_call, local_shell_call, ...):
      // those tools are dropped, so their history cannot be shown to the model either.
      conversation.ignored.push(`input[${type}]`);
      return;
  }
}

function textBlocks(text: string): { type: 'text'; text: string }[] {
  return text === '' ? [] : [{ type: 'text', text }];
}

/** This proxy names an mcp_call item after the model's tool_use (build-output-items.ts): the same id is replayed. */
function toolUseIdOfMcpCall(itemId: string): string {
  return itemId.startsWith('mcp_toolu_') ? itemId.slice('mcp_'.length) : itemId;
}

function parseItem<Schema extends z.ZodType>(schema: Schema, value: unknown, path: string): z.infer<Schema> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const field = [path, ...issue.path.map(String)].join('.');
  const message = issue.code === 'invalid_type' && issue.input === undefined ? 'Field required' : issue.message;
  throw new ProxyError('invalid_request', `${field}: ${message}`, { param: field });
}

function isTextPart(part: { type: string; [key: string]: unknown }): part is { type: string; text: string } {
  return (part.type === 'input_text' || part.type === 'output_text' || part.type === 'text') && typeof part.text === 'string';
}

function userContent(content: Content, path: string): string | ContentBlockParam[] {
  if (typeof content === 'string') return content;
  return content.map((part, index) => mediaOrText(part, `${path}.${index}`));
}

function toolResultContent(output: Content, path: string): NonNullable<ToolResultBlockParam['content']> {
  if (typeof output === 'string') return output;
  return output.map((part, index) => mediaOrText(part, `${path}.${index}`));
}

function mediaOrText(part: { type: string; [key: string]: unknown }, path: string): TextBlockParam | ImageBlockParam | DocumentBlockParam {
  switch (part.type) {
    case 'input_text':
    case 'output_text':
    case 'text':
      if (!isTextPart(part)) throw new ProxyError('invalid_request', `${path}.text: Field required`, { param: `${path}.text` });
      return { type: 'text', text: part.text };
    case 'input_image':
      if (typeof part.image_url !== 'string' && part.file_id != null) {
        // Uploaded files live in OpenAI's storage, which the proxy cannot read.
        throw new ProxyError(
          'invalid_request',
          `${path}.file_id: uploaded files are not available through claude-cli-proxy; send image_url as a data: URL or an http(s) URL`,
          {
            param: `${path}.file_id`,
          },
        );
      }
      return imageBlockFromUrl(part.image_url, `${path}.image_url`);
    case 'input_file':
      return pdfBlockFromFileData({ file_data: part.file_data, filename: part.filename }, path);
    default:
      throw new ProxyError(
        'invalid_request',
        `${path}.type: content parts of type ${quoteClientValue(part.type)} are not supported (input_text, input_image and PDF input_file parts are)`,
        {
          param: `${path}.type`,
        },
      );
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Settings

const functionToolSchema = z.looseObject({
  name: z.string(),
  description: z.string().nullish(),
  parameters: z.record(z.string(), z.unknown()).nullish(),
});

const mcpToolSchema = z.looseObject({
  server_label: z.string().min(1),
  server_url: z.string().nullish(),
  authorization: z.string().nullish(),
  headers: z.record(z.string(), z.string()).nullish(),
});

function clientTools(tools: NonNullable<ResponsesRequest['tools']>): { tools: ClientTool[]; dropped: string[]; mcpServers: McpServerRequest[] } {
  const converted: ClientTool[] = [];
  const paths: string[] = [];
  const dropped: string[] = [];
  const mcpServers: McpServerRequest[] = [];
  tools.forEach((tool, index) => {
    if (tool.type === 'mcp') {
      // A server of the proxy's registry by its label, or one at a URL the operator allows: the CLI runs its tools.
      const mcp = parseItem(mcpToolSchema, tool, `tools.${index}`);
      const headers = { ...(mcp.headers ?? {}), ...(mcp.authorization != null ? { Authorization: `Bearer ${mcp.authorization}` } : {}) };
      mcpServers.push(mcp.server_url != null ? { name: mcp.server_label, url: mcp.server_url, headers } : { name: mcp.server_label });
      return;
    }
    if (tool.type !== 'function') {
      dropped.push(`tools[${tool.type}]`);
      return;
    }
    const { name, description, parameters } = parseItem(functionToolSchema, tool, `tools.${index}`);
    // OpenAI allows a function without parameters; the model then sees an empty object schema.
    converted.push({ name, description: description ?? undefined, inputSchema: parameters ?? { type: 'object', properties: {} } });
    paths.push(`tools.${index}`);
  });
  validateClientTools(converted, (index) => paths[index]!);
  return { tools: converted, dropped, mcpServers };
}

function toolChoice(choice: ResponsesRequest['tool_choice']): ToolChoice | 'unsupported' | undefined {
  if (choice == null) return undefined;
  if (choice === 'auto') return { type: 'auto' };
  if (choice === 'none') return { type: 'none' };
  if (choice === 'required') return { type: 'any' };
  if (choice.type === 'function' && choice.name != null) return { type: 'tool', name: choice.name };
  // allowed_tools, hosted tool types, custom and mcp choices have no equivalent.
  return 'unsupported';
}

function outputSchemaFor(format: NonNullable<ResponsesRequest['text']>['format']): Record<string, unknown> | undefined {
  switch (format?.type) {
    case undefined:
    case 'text':
      return undefined;
    case 'json_object':
      return { type: 'object' };
    case 'json_schema':
      return format.schema ?? { type: 'object' };
    default:
      return assertNever(format, 'text.format');
  }
}
