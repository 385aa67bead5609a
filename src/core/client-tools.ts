/**
 * @module
 * PURE. The client's tools, as the model sees them through the CLI: served by an MCP server named "t" that the
 * proxy runs over the CLI's own stdin/stdout (docs/decisions/0010-client-tools-over-sdk-mcp.md), so each tool
 * reaches the model as `mcp__t__<name>` with the client's schema unchanged. Tool calls come back with the bare name;
 * tool_use blocks in the history get the prefixed name the model saw.
 */
import type { RawMessageStreamEvent } from '@anthropic-ai/sdk/resources/messages';
import { ProxyError, quoteClientValue } from '../errors.ts';
import type { ClientTool, ConversationMessage } from './turn-request.ts';

/** Kept to one letter: the prefix costs tokens in every tool name the model reads and writes. */
export const TOOL_SERVER_NAME = 't';
export const TOOL_NAME_PREFIX = `mcp__${TOOL_SERVER_NAME}__`;

/** The API's rule for tool names, shortened by the prefix so the name the model sees stays within 128 characters. */
const TOOL_NAME = /^[a-zA-Z0-9_-]{1,120}$/;

export function validateClientTools(tools: readonly ClientTool[], path: (index: number) => string): void {
  const seen = new Set<string>();
  tools.forEach((tool, index) => {
    if (!TOOL_NAME.test(tool.name)) {
      throw new ProxyError('invalid_request', `${path(index)}.name: must match ^[a-zA-Z0-9_-]{1,120}$, got ${quoteClientValue(tool.name)}`, { param: `${path(index)}.name` });
    }
    if (seen.has(tool.name)) {
      throw new ProxyError('invalid_request', `${path(index)}.name: tool names must be unique, ${quoteClientValue(tool.name)} appears twice`, { param: `${path(index)}.name` });
    }
    seen.add(tool.name);
    if (tool.inputSchema.type !== 'object') {
      throw new ProxyError('invalid_request', `${path(index)}: the input schema must be a JSON schema with "type": "object"`, { param: path(index) });
    }
  });
}

/** Whether the conversation already has tool_use or tool_result blocks (the API then needs the tools defined). */
export function hasToolTurns(messages: readonly ConversationMessage[]): boolean {
  return messages.some(
    (message) => typeof message.content !== 'string' && message.content.some((block) => block.type === 'tool_use' || block.type === 'tool_result'),
  );
}

/** History tool_use blocks of the client's tools, renamed to what the model saw. */
export function prefixToolNames(messages: readonly ConversationMessage[], tools: readonly ClientTool[]): ConversationMessage[] {
  if (tools.length === 0) return [...messages];
  const names = new Set(tools.map((tool) => tool.name));
  return messages.map((message) =>
    message.role !== 'assistant' || typeof message.content === 'string'
      ? message
      : {
          ...message,
          content: message.content.map((block) => (block.type === 'tool_use' && names.has(block.name) ? { ...block, name: `${TOOL_NAME_PREFIX}${block.name}` } : block)),
        },
  );
}

/** A tool call of the model, with the client's bare tool name. */
export function stripToolNamePrefix(event: RawMessageStreamEvent): RawMessageStreamEvent {
  if (event.type !== 'content_block_start' || event.content_block.type !== 'tool_use' || !event.content_block.name.startsWith(TOOL_NAME_PREFIX)) return event;
  return { ...event, content_block: { ...event.content_block, name: event.content_block.name.slice(TOOL_NAME_PREFIX.length) } };
}

/** The client's tool_choice, in the Anthropic vocabulary (OpenAI: none, auto, required = any, function = tool). */
export type ToolChoice = { type: 'auto' } | { type: 'none' } | { type: 'any' } | { type: 'tool'; name: string };

/**
 * The tools the model is shown for a tool_choice, and whether the choice could not be fully honoured (the CLI
 * cannot force a tool call). `none` hides the tools, unless the history already has tool turns (the API needs the
 * tools defined then); a named tool shows only that tool, under the same condition.
 */
export function selectTools(
  tools: readonly ClientTool[],
  choice: ToolChoice | undefined,
  messages: readonly ConversationMessage[],
): { tools: readonly ClientTool[]; choiceIgnored: boolean } {
  switch (choice?.type) {
    case undefined:
    case 'auto':
      return { tools, choiceIgnored: false };
    case 'none':
      return hasToolTurns(messages) ? { tools, choiceIgnored: true } : { tools: [], choiceIgnored: false };
    case 'any':
      return { tools, choiceIgnored: tools.length > 0 };
    case 'tool': {
      const chosen = tools.filter((tool) => tool.name === choice.name);
      if (chosen.length === 0) throw new ProxyError('invalid_request', `tool_choice: no tool named ${quoteClientValue(choice.name)} in tools`, { param: 'tool_choice' });
      return { tools: hasToolTurns(messages) ? tools : chosen, choiceIgnored: true };
    }
  }
}
