/**
 * @module
 * PURE. The client's tools as the model sees them through the CLI: served by an MCP server named "t" that the proxy
 * runs over the CLI's own stdin/stdout (docs/decisions/0010-client-tools-over-sdk-mcp.md), so each tool reaches the
 * model as `mcp__t__<name>` with the client's schema unchanged. Tool calls come back with the bare name; tool_use
 * blocks in the history get the prefixed name the model saw.
 */
import type { RawMessageStreamEvent } from '@anthropic-ai/sdk/resources/messages';
import type { ClientTool, ConversationMessage } from '../core/turn-request.ts';

/** Kept to one letter: the prefix costs tokens in every tool name the model reads and writes. */
export const TOOL_SERVER_NAME = 't';
export const TOOL_NAME_PREFIX = `mcp__${TOOL_SERVER_NAME}__`;

/** History tool_use blocks of the client's tools, renamed to what the model saw. */
export function prefixToolNames(messages: readonly ConversationMessage[], tools: readonly ClientTool[]): ConversationMessage[] {
  if (tools.length === 0) return [...messages];
  const names = new Set(tools.map((tool) => tool.name));
  return messages.map((message) =>
    message.role !== 'assistant' || typeof message.content === 'string'
      ? message
      : {
          ...message,
          content: message.content.map((block) =>
            block.type === 'tool_use' && names.has(block.name) ? { ...block, name: `${TOOL_NAME_PREFIX}${block.name}` } : block,
          ),
        },
  );
}

/** A tool call of the model, with the client's bare tool name. */
export function stripToolNamePrefix(event: RawMessageStreamEvent): RawMessageStreamEvent {
  if (event.type !== 'content_block_start' || event.content_block.type !== 'tool_use' || !event.content_block.name.startsWith(TOOL_NAME_PREFIX)) return event;
  return { ...event, content_block: { ...event.content_block, name: event.content_block.name.slice(TOOL_NAME_PREFIX.length) } };
}
