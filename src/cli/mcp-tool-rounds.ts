/**
 * @module
 * PURE. A turn in which the CLI ran MCP servers' tools, as the one message the MCP connector answers with. Upstream
 * it was several model calls: a message ending in calls of `mcp__<server>__<tool>`, the CLI running them (a `user`
 * line with their tool_result blocks), the next message, and so on. The client gets one message: each call as an
 * `mcp_tool_use` block, its result as an `mcp_tool_result` block, then the rest of the answer, with the usage of all
 * the calls (docs/decisions/0022-mcp-servers-run-by-the-cli.md).
 *
 * Works on the CLI's lines, before they become the message's events (convert-cli-lines-to-anthropic-events.ts): the
 * later messages' starts and stops are taken out, their blocks renumbered after the first message's. An
 * `mcp_tool_use` block arrives whole in its content_block_start (no input_json_delta: the SDKs' accumulators keep
 * such a block as it starts, and would not parse the deltas of a block type they do not know).
 */
import { ProxyError } from '../errors.ts';
import type { CliLine, CliUserLine } from './cli-lines.ts';

interface RegistryCall {
  id: string;
  server: string;
  tool: string;
  json: string;
}

export interface McpRoundsState {
  /** `mcp__<server>__` of each server the turn runs. */
  prefixes: readonly { server: string; prefix: string }[];
  /** Model calls seen (message_start lines). */
  rounds: number;
  nextIndex: number;
  /** This round's upstream block index to the client's. */
  indexes: Map<number, number>;
  /** This round's calls of MCP servers' tools, by upstream block index, until their block ends. */
  open: Map<number, RegistryCall>;
  /** This round's finished MCP calls and its calls of the client's tools. */
  roundCalls: string[];
  clientCalls: number;
  /** The round ended in MCP calls only: the CLI runs them and asks the model again. */
  continuing: boolean;
  /** MCP calls whose result has not come yet. */
  awaiting: Set<string>;
  /** A block handed on is open: a result that comes meanwhile waits for its end (blocks never interleave). */
  blockOpen: boolean;
  /** Results that came while a block was open. */
  queuedResults: McpResult[];
  /** Messages after the first: their `assistant` echo lines are dropped like their events. */
  foldedMessageIds: Set<string>;
  outputTokens: number;
  /** Input and cache tokens of every model call so far: each call reads the whole context again, and is billed so. */
  inputTokens: { input: number; cacheRead: number; cacheCreation: number };
}

export function createMcpRoundsState(serverNames: readonly string[]): McpRoundsState {
  return {
    prefixes: serverNames.map((server) => ({ server, prefix: `mcp__${server}__` })),
    rounds: 0,
    nextIndex: 0,
    indexes: new Map(),
    open: new Map(),
    roundCalls: [],
    clientCalls: 0,
    continuing: false,
    awaiting: new Set(),
    blockOpen: false,
    queuedResults: [],
    foldedMessageIds: new Set(),
    outputTokens: 0,
    inputTokens: { input: 0, cacheRead: 0, cacheCreation: 0 },
  };
}

/** The lines to hand on for one line of the CLI. Without MCP servers every line passes as it is. */
export function stepMcpRounds(state: McpRoundsState, line: CliLine): CliLine[] {
  if (state.prefixes.length === 0) return [line];
  switch (line.type) {
    case 'stream_event':
      return line.parent_tool_use_id != null ? [line] : streamEvent(state, line.event as StreamEvent).map(asLine);
    case 'assistant':
      return state.foldedMessageIds.has(line.message.id) ? [] : [line];
    case 'user':
      state.queuedResults.push(...results(state, line));
      return [line, ...(state.blockOpen ? [] : flushResults(state)).map(asLine)];
    case 'system':
      if (line.subtype === 'init') checkServersStarted(state, line.mcp_servers ?? []);
      return [line];
    default:
      return [line];
  }
}

interface InputUsage {
  input_tokens?: number | null;
  cache_read_input_tokens?: number | null;
  cache_creation_input_tokens?: number | null;
  output_tokens?: number | null;
}

interface StreamEvent {
  type: string;
  index?: number;
  message?: { id: string; usage?: InputUsage };
  content_block?: { type: string; id?: string; name?: string };
  delta?: { type?: string; partial_json?: string; stop_reason?: string | null };
  usage?: { output_tokens?: number | null };
  [key: string]: unknown;
}

function asLine(event: object): CliLine {
  return { type: 'stream_event', event: event as { type: string }, parent_tool_use_id: null };
}

function streamEvent(state: McpRoundsState, event: StreamEvent): object[] {
  switch (event.type) {
    case 'message_start': {
      state.rounds += 1;
      state.indexes = new Map();
      state.open = new Map();
      state.roundCalls = [];
      state.clientCalls = 0;
      state.continuing = false;
      const usage = event.message?.usage;
      state.inputTokens.input += usage?.input_tokens ?? 0;
      state.inputTokens.cacheRead += usage?.cache_read_input_tokens ?? 0;
      state.inputTokens.cacheCreation += usage?.cache_creation_input_tokens ?? 0;
      if (state.rounds === 1) return [event];
      if (event.message != null) state.foldedMessageIds.add(event.message.id);
      return [];
    }
    case 'content_block_start': {
      const block = event.content_block;
      const upstream = event.index ?? 0;
      const server = block?.type === 'tool_use' && block.name != null ? state.prefixes.find((entry) => block.name!.startsWith(entry.prefix)) : undefined;
      if (server != null && block?.id != null) {
        state.open.set(upstream, { id: block.id, server: server.server, tool: block.name!.slice(server.prefix.length), json: '' });
        return [];
      }
      if (block?.type === 'tool_use') state.clientCalls += 1;
      state.indexes.set(upstream, state.nextIndex);
      state.nextIndex += 1;
      state.blockOpen = true;
      return [{ ...event, index: state.indexes.get(upstream) }];
    }
    case 'content_block_delta': {
      const call = state.open.get(event.index ?? 0);
      if (call != null) {
        if (event.delta?.type === 'input_json_delta') call.json += event.delta.partial_json ?? '';
        return [];
      }
      return [{ ...event, index: state.indexes.get(event.index ?? 0) ?? event.index }];
    }
    case 'content_block_stop': {
      const call = state.open.get(event.index ?? 0);
      if (call == null) {
        state.blockOpen = false;
        return [{ ...event, index: state.indexes.get(event.index ?? 0) ?? event.index }, ...flushResults(state)];
      }
      state.open.delete(event.index ?? 0);
      state.roundCalls.push(call.id);
      // The CLI may run the call as soon as its block ends, before the message does (its result can come first).
      state.awaiting.add(call.id);
      const index = state.nextIndex;
      state.nextIndex += 1;
      return [
        {
          type: 'content_block_start',
          index,
          content_block: { type: 'mcp_tool_use', id: call.id, name: call.tool, server_name: call.server, input: parseInput(call.json) },
        },
        { type: 'content_block_stop', index },
      ];
    }
    case 'message_delta': {
      const output = event.usage?.output_tokens ?? 0;
      const results = flushResults(state);
      if (event.delta?.stop_reason === 'tool_use' && state.clientCalls === 0 && state.roundCalls.length > 0) {
        // Only MCP calls: the CLI runs them and asks the model again; the message goes on.
        state.continuing = true;
        state.outputTokens += output;
        return results;
      }
      if (state.rounds <= 1) return [...results, event];
      // The whole message's usage: what every model call of the turn read and wrote (as the CLI's result line counts).
      const usage = {
        ...event.usage,
        input_tokens: state.inputTokens.input,
        cache_read_input_tokens: state.inputTokens.cacheRead,
        cache_creation_input_tokens: state.inputTokens.cacheCreation,
        output_tokens: state.outputTokens + output,
      };
      return [...results, { ...event, usage }];
    }
    case 'message_stop':
      return state.continuing ? [] : [event];
    default:
      return [event];
  }
}

/**
 * A server the CLI could not start or reach is reported `failed` in its `system/init` line, before the model is
 * asked (measured on 2.1.197 and 2.1.332: a missing command, a process that exits, a refused connection); the CLI
 * would go on without its tools. The turn fails instead, saying which server: the client asked for its tools.
 */
const UNUSABLE_STATES = new Set(['failed', 'needs-auth']);

function checkServersStarted(state: McpRoundsState, servers: readonly { name: string; status: string }[]): void {
  const wanted = new Set(state.prefixes.map((entry) => entry.server));
  const broken = servers.filter((server) => wanted.has(server.name) && UNUSABLE_STATES.has(server.status));
  if (broken.length === 0) return;
  const names = broken.map((server) => `"${server.name}" (${server.status})`).join(', ');
  throw new ProxyError('api_error', `MCP server ${names} could not be started or reached; the model was not asked. Check the server and retry`, {
    status: 502,
  });
}

interface McpResult {
  type: 'mcp_tool_result';
  tool_use_id: string;
  is_error: boolean;
  content: { type: 'text'; text: string }[];
}

/** The results of the MCP calls the CLI ran, in a `user` line of their tool_result blocks. */
function results(state: McpRoundsState, line: CliUserLine): McpResult[] {
  if (line.parent_tool_use_id != null || typeof line.message.content === 'string') return [];
  const found: McpResult[] = [];
  for (const block of line.message.content as { type: string; tool_use_id?: string; content?: unknown; is_error?: boolean }[]) {
    if (block.type !== 'tool_result' || block.tool_use_id == null || !state.awaiting.has(block.tool_use_id)) continue;
    state.awaiting.delete(block.tool_use_id);
    found.push({ type: 'mcp_tool_result', tool_use_id: block.tool_use_id, is_error: block.is_error === true, content: resultContent(block.content) });
  }
  return found;
}

/** The results come so far, as `mcp_tool_result` blocks after the blocks already handed on. */
function flushResults(state: McpRoundsState): object[] {
  const events = state.queuedResults.flatMap((result) => {
    const index = state.nextIndex;
    state.nextIndex += 1;
    return [
      { type: 'content_block_start', index, content_block: result },
      { type: 'content_block_stop', index },
    ];
  });
  state.queuedResults = [];
  return events;
}

/**
 * The MCP connector's results hold text only: text is passed as it is, anything else (an image) named in a text
 * block, so the client sees that the tool answered with it (docs/limits.md).
 */
function resultContent(content: unknown): { type: 'text'; text: string }[] {
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  if (!Array.isArray(content)) return [];
  return content.map((part: { type?: unknown; text?: unknown }) =>
    part.type === 'text' && typeof part.text === 'string' ? { type: 'text', text: part.text } : { type: 'text', text: `[${String(part.type)} omitted]` },
  );
}

function parseInput(json: string): unknown {
  if (json === '') return {};
  try {
    return JSON.parse(json);
  } catch {
    return {};
  }
}
