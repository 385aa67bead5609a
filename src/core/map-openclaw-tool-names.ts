/**
 * @module
 * PURE. OpenClaw's tools under the Claude Code names the model was trained on (exec → Bash, read → Read, …), opt-in
 * (OPENCLAW_TOOL_MAPPING): the tool definitions and the tool_use blocks of the history go to the model renamed, and
 * the model's calls come back under the client's own names, so the client never sees the mapping. A request that
 * declares a tool under the mapped name itself keeps both names as they are: two tools must never share a name.
 */
import type { RawMessageStreamEvent } from '@anthropic-ai/sdk/resources/messages';
import type { ConversationMessage, TurnRequest } from './turn-request.ts';

/** OpenClaw's tool name → the Claude Code tool of the same purpose. */
export const OPENCLAW_TOOL_NAMES: ReadonlyMap<string, string> = new Map([
  ['exec', 'Bash'],
  ['read', 'Read'],
  ['write', 'Write'],
  ['edit', 'Edit'],
  ['web_search', 'WebSearch'],
  ['web_fetch', 'WebFetch'],
  ['browser', 'Browser'],
  ['canvas', 'Canvas'],
]);

export interface ToolNameMapping {
  /** Client name → the name the model sees. */
  toModel: ReadonlyMap<string, string>;
  /** Model name → the client's name, for the calls the model makes. */
  toClient: ReadonlyMap<string, string>;
}

/**
 * The renames of one request. Every pair of the table applies, also to names that are only in the history (a request
 * with `tools: []` still shows the model its earlier calls as it saw them), except where the request declares a tool
 * already named like the target: that tool keeps the name, and the OpenClaw tool keeps its own.
 */
export function planToolNameMapping(turn: Pick<TurnRequest, 'tools'>): ToolNameMapping {
  const declared = new Set(turn.tools.map((tool) => tool.name));
  const toModel = new Map<string, string>();
  const toClient = new Map<string, string>();
  for (const [clientName, modelName] of OPENCLAW_TOOL_NAMES) {
    if (declared.has(modelName)) continue;
    toModel.set(clientName, modelName);
    if (declared.has(clientName)) toClient.set(modelName, clientName);
  }
  return { toModel, toClient };
}

/** The request as the model should see it: tools and history tool_use blocks renamed; everything else untouched. */
export function mapToolNamesToModel(turn: TurnRequest, mapping: ToolNameMapping): TurnRequest {
  const rename = (name: string): string => mapping.toModel.get(name) ?? name;
  return {
    ...turn,
    tools: turn.tools.map((tool) => (mapping.toModel.has(tool.name) ? { ...tool, name: rename(tool.name) } : tool)),
    messages: turn.messages.map((message) => renameHistoryCalls(message, rename)),
  };
}

function renameHistoryCalls(message: ConversationMessage, rename: (name: string) => string): ConversationMessage {
  if (message.role !== 'assistant' || typeof message.content === 'string') return message;
  if (!message.content.some((block) => block.type === 'tool_use' && rename(block.name) !== block.name)) return message;
  return { ...message, content: message.content.map((block) => (block.type === 'tool_use' ? { ...block, name: rename(block.name) } : block)) };
}

/** A call of the model, under the client's name (a tool call's name arrives whole in its content_block_start). */
export function mapToolCallToClient(event: RawMessageStreamEvent, mapping: ToolNameMapping): RawMessageStreamEvent {
  if (event.type !== 'content_block_start' || event.content_block.type !== 'tool_use') return event;
  const clientName = mapping.toClient.get(event.content_block.name);
  return clientName == null ? event : { ...event, content_block: { ...event.content_block, name: clientName } };
}
