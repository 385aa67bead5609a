/**
 * @module
 * PURE. A conversation's MCP connector blocks as the exchange the model actually had. The proxy answers a turn in
 * which the CLI ran MCP servers' tools as one message with `mcp_tool_use` / `mcp_tool_result` blocks (as the MCP
 * connector does); upstream, that was a tool_use of `mcp__<server>__<tool>`, a user message with its tool_result,
 * and the rest of the answer. When a client sends such a message back, it is split again into those messages, so a
 * fresh CLI replays the same exchange the model saw the first time.
 */
import type { ContentBlockParam, ToolResultBlockParam, ToolUseBlockParam } from '@anthropic-ai/sdk/resources/messages';
import type { ConversationMessage } from './turn-request.ts';

interface McpToolUse {
  type: 'mcp_tool_use';
  id: string;
  name: string;
  server_name: string;
  input: unknown;
}

interface McpToolResult {
  type: 'mcp_tool_result';
  tool_use_id: string;
  is_error?: boolean | null;
  content?: unknown;
}

function isMcpBlock(block: { type: string }): boolean {
  return block.type === 'mcp_tool_use' || block.type === 'mcp_tool_result';
}

/** The conversation with each assistant message holding MCP blocks split at them; other messages are kept as they are. */
export function expandMcpToolBlocks(messages: readonly ConversationMessage[]): readonly ConversationMessage[] {
  if (!messages.some((message) => message.role === 'assistant' && typeof message.content !== 'string' && message.content.some(isMcpBlock))) {
    return messages;
  }
  return messages.flatMap((message) => (message.role === 'assistant' && typeof message.content !== 'string' ? expandAssistant(message.content) : [message]));
}

function expandAssistant(content: readonly ContentBlockParam[]): ConversationMessage[] {
  const blocks = content as readonly (ContentBlockParam | McpToolUse | McpToolResult)[];
  // A call without its result (the turn also called the client's tools and ended before the CLI ran it) was never
  // answered for the model: left out, as a tool_use without a tool_result cannot be sent upstream.
  const answered = new Set(blocks.flatMap((block) => (block.type === 'mcp_tool_result' ? [block.tool_use_id] : [])));
  const kept = new Set(blocks.flatMap((block) => (block.type === 'mcp_tool_use' && answered.has(block.id) ? [block.id] : [])));
  const expanded: ConversationMessage[] = [];
  let assistant: ContentBlockParam[] = [];
  let results: ToolResultBlockParam[] = [];
  const flush = (): void => {
    if (assistant.length > 0) expanded.push({ role: 'assistant', content: assistant });
    if (results.length > 0) expanded.push({ role: 'user', content: results });
    assistant = [];
    results = [];
  };
  for (const block of blocks) {
    if (block.type === 'mcp_tool_use') {
      if (!kept.has(block.id)) continue;
      if (results.length > 0) flush();
      assistant.push(toolUse(block));
    } else if (block.type === 'mcp_tool_result') {
      if (kept.has(block.tool_use_id)) results.push(toolResult(block));
    } else {
      if (results.length > 0) flush();
      assistant.push(block);
    }
  }
  flush();
  return expanded;
}

function toolUse(block: McpToolUse): ToolUseBlockParam {
  return { type: 'tool_use', id: block.id, name: `mcp__${block.server_name}__${block.name}`, input: block.input ?? {} };
}

function toolResult(block: McpToolResult): ToolResultBlockParam {
  const content = typeof block.content === 'string' || Array.isArray(block.content) ? (block.content as ToolResultBlockParam['content']) : '';
  return { type: 'tool_result', tool_use_id: block.tool_use_id, content, ...(block.is_error === true ? { is_error: true } : {}) };
}
