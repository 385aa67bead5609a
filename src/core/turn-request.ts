/**
 * @module
 * The one internal request type: what every protocol's request is converted to, and what the CLI driver runs.
 */
import type { ContentBlockParam } from '@anthropic-ai/sdk/resources/messages';
import type { McpServerRequest } from './mcp-servers.ts';

/** One turn of the conversation (the SDK's MessageParam also admits role "system", which the CLI cannot replay). */
export interface ConversationMessage {
  role: 'user' | 'assistant';
  content: string | ContentBlockParam[];
}

/** A tool the client defines and runs itself. */
export interface ClientTool {
  name: string;
  description: string | undefined;
  /** JSON schema of the input, exactly as the client sent it. */
  inputSchema: Record<string, unknown>;
}

export type ThinkingSetting = { type: 'disabled' } | { type: 'enabled'; budgetTokens: number } | { type: 'adaptive' };

export type Effort = 'low' | 'medium' | 'high' | 'xhigh' | 'max';

export interface TurnRequest {
  /** The CLI's --model value: an alias (sonnet) or a full id (claude-sonnet-4-6). */
  model: string;
  /** The client's system prompt as text blocks, in order; empty for none (never Claude Code's own prompt). */
  system: readonly string[];
  /** The conversation, Anthropic-shaped; the model answers the last (user) message. */
  messages: readonly ConversationMessage[];
  /** Upstream max_tokens; undefined: the model's default. */
  maxTokens: number | undefined;
  thinking: ThinkingSetting;
  effort: Effort | undefined;
  /** Applied by the proxy to the text the model streams (the CLI cannot pass them upstream). */
  stopSequences: readonly string[];
  /** JSON schema the answer must follow (structured output), or undefined for free text. */
  outputSchema: Record<string, unknown> | undefined;
  /** The tools the model may call (already filtered by the client's tool_choice). */
  tools: readonly ClientTool[];
  /** False: the turn ends after the model's first tool call. */
  parallelToolCalls: boolean;
  /** MCP servers the CLI runs for this turn, as the request names them (checked against the registry by the runner). */
  mcpServers: readonly McpServerRequest[];
}

/** A one-message turn with every setting at its default (pre-warming, benchmarks, fixture recording). */
export function plainTurnRequest(model: string, overrides: Partial<TurnRequest> = {}): TurnRequest {
  return {
    model,
    system: [],
    messages: [{ role: 'user', content: 'hello' }],
    maxTokens: undefined,
    thinking: { type: 'disabled' },
    effort: undefined,
    stopSequences: [],
    outputSchema: undefined,
    tools: [],
    parallelToolCalls: true,
    mcpServers: [],
    ...overrides,
  };
}
