/**
 * @module
 * PURE. An Anthropic Messages request as the internal TurnRequest, plus the request fields the CLI cannot honour
 * (reported to the client in `x-proxy-ignored`, never silently pretended).
 */
import { validateStopSequences } from '../../core/apply-stop-sequences.ts';
import { selectTools, validateClientTools } from '../../core/client-tools.ts';
import type { McpServerRequest } from '../../core/mcp-servers.ts';
import { resolveModel } from '../../core/models.ts';
import type { ClientTool, ConversationMessage, ThinkingSetting, TurnRequest } from '../../core/turn-request.ts';
import { ProxyError } from '../../errors.ts';
import type { MessagesRequest } from './anthropic-wire.ts';

/** Accepted and not applied: the CLI has no way to pass them upstream. */
const IGNORED_FIELDS = ['temperature', 'top_p', 'top_k', 'metadata', 'service_tier', 'container', 'context_management', 'inference_geo', 'speed'] as const;

export interface ConvertedRequest {
  turn: TurnRequest;
  ignored: string[];
}

export function convertMessagesRequestToTurn(request: MessagesRequest): ConvertedRequest {
  const model = resolveModel(request.model);
  request.messages.forEach((message, index) => {
    if (message.role === 'system') {
      // Worded so that Claude Code (2.1.332 sends its environment as a system turn) recognises a platform without
      // mid-conversation system messages and sends the request again without them, as it does for such platforms.
      throw new ProxyError(
        'invalid_request',
        `messages.${index}.role: role "system" is not supported mid-conversation (mid_conversation_system_not_supported); put the text in "system"`,
        { param: `messages.${index}.role` },
      );
    }
  });
  validateStopSequences(request.stop_sequences ?? [], 'stop_sequences');
  const ignored: string[] = IGNORED_FIELDS.filter(
    (field) =>
      request[field] != null &&
      !(Array.isArray(request[field]) && (request[field] as unknown[]).length === 0) &&
      // metadata.user_id and the like have no equivalent; metadata.mcp_servers does.
      !(field === 'metadata' && Object.keys(request.metadata ?? {}).every((key) => key === 'mcp_servers')),
  );
  const messages = request.messages as unknown as ConversationMessage[];
  const { tools: definedTools, unsupported } = clientTools(request.tools ?? []);
  ignored.push(...unsupported);
  const { tools, choiceIgnored } = selectTools(definedTools, request.tool_choice, messages);
  if (choiceIgnored) ignored.push('tool_choice');
  return {
    turn: {
      model,
      system: systemTexts(request.system),
      messages,
      maxTokens: request.max_tokens,
      thinking: thinkingSetting(request.thinking),
      effort: request.output_config?.effort,
      stopSequences: request.stop_sequences ?? [],
      outputSchema: (request.output_config?.format ?? request.output_format)?.schema,
      tools,
      parallelToolCalls: request.tool_choice == null || request.tool_choice.type === 'none' || request.tool_choice.disable_parallel_tool_use !== true,
      mcpServers: mcpServers(request),
    },
    ignored,
  };
}

/** Custom tools become client tools; server and versioned tool types (web_search_*, bash_*, ...) cannot run here. */
function clientTools(tools: NonNullable<MessagesRequest['tools']>): { tools: ClientTool[]; unsupported: string[] } {
  const converted: ClientTool[] = [];
  const unsupported: string[] = [];
  tools.forEach((tool, index) => {
    // The MCP connector's toolset entry only switches on a server of `mcp_servers`: those are run by the CLI.
    if (tool.type === 'mcp_toolset') return;
    if (tool.type != null && tool.type !== 'custom') {
      unsupported.push(`tools.${index} (${tool.type})`);
      return;
    }
    if (tool.name == null) throw new ProxyError('invalid_request', `tools.${index}.name: Field required`, { param: `tools.${index}.name` });
    if (tool.input_schema == null)
      throw new ProxyError('invalid_request', `tools.${index}.input_schema: Field required`, { param: `tools.${index}.input_schema` });
    converted.push({ name: tool.name, description: tool.description ?? undefined, inputSchema: tool.input_schema });
  });
  validateClientTools(converted, (index) => `tools.${index}`);
  return { tools: converted, unsupported };
}

/** Registry servers named in metadata.mcp_servers, and the MCP connector's URL servers (checked by the runner). */
function mcpServers(request: MessagesRequest): McpServerRequest[] {
  const named = (request.metadata?.mcp_servers ?? []).map((name) => ({ name }));
  const defined = (request.mcp_servers ?? []).map((server) => ({
    name: server.name,
    url: server.url,
    headers: server.authorization_token != null ? { Authorization: `Bearer ${server.authorization_token}` } : {},
  }));
  return [...named, ...defined];
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
