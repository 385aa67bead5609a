/**
 * @module
 * PURE. The rules for the client's tools that hold whatever runs them: names, uniqueness, object schemas, and which
 * tools a tool_choice shows. How the CLI presents them to the model (`mcp__t__<name>`) is cli/client-tool-names.ts.
 */
import { ProxyError, quoteClientValue } from '../errors.ts';
import type { ClientTool, ConversationMessage } from './turn-request.ts';

/** The API's rule for tool names, shortened by 8 characters so the name the CLI shows (`mcp__t__<name>`) stays within 128. */
const TOOL_NAME = /^[a-zA-Z0-9_-]{1,120}$/;

export function validateClientTools(tools: readonly ClientTool[], path: (index: number) => string): void {
  const seen = new Set<string>();
  tools.forEach((tool, index) => {
    if (!TOOL_NAME.test(tool.name)) {
      throw new ProxyError('invalid_request', `${path(index)}.name: must match ^[a-zA-Z0-9_-]{1,120}$, got ${quoteClientValue(tool.name)}`, {
        param: `${path(index)}.name`,
      });
    }
    if (seen.has(tool.name)) {
      throw new ProxyError('invalid_request', `${path(index)}.name: tool names must be unique, ${quoteClientValue(tool.name)} appears twice`, {
        param: `${path(index)}.name`,
      });
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
      if (chosen.length === 0)
        throw new ProxyError('invalid_request', `tool_choice: no tool named ${quoteClientValue(choice.name)} in tools`, { param: 'tool_choice' });
      return { tools: hasToolTurns(messages) ? tools : chosen, choiceIgnored: true };
    }
  }
}
