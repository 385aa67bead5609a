/**
 * @module
 * PURE. Anthropic raw stream events → OpenAI Responses stream events, following what the openai SDK's
 * ResponseStream, Codex and the Vercel AI SDK check (../shared/reference/api-conformance.md, 3):
 * `response.created` comes first (at message_start, so an upstream error before it is still an HTTP error status),
 * then `response.in_progress`; each Anthropic block becomes one output item, announced by `output_item.added` and
 * closed by `output_item.done` with the complete item (Codex takes items from `.done` only):
 * text → message (content_part.added, output_text.delta*, output_text.done, content_part.done), tool_use →
 * function_call (function_call_arguments.delta*, .done), thinking → reasoning (reasoning_summary_* when the client
 * asked for summaries). The stream ends with `response.completed` or `response.incomplete`, carrying the whole
 * response with its usage, or, on a late failure, with `response.failed` and an `error` event.
 * Every event has a sequence_number, counted from 0.
 */
import type { RawMessageStreamEvent, Usage } from '@anthropic-ai/sdk/resources/messages';
import { applyUsageDelta } from '../shared/apply-usage-delta.ts';
import { assertNever, ProxyError } from '../../errors.ts';
import {
  buildFunctionCallItem,
  buildMcpCallItem,
  buildMcpCallItemId,
  buildMessageItem,
  buildOutputItemId,
  buildOutputText,
  buildReasoningItem,
  mcpResultText,
} from './build-output-items.ts';
import { convertResponsesUsage } from './convert-responses-usage.ts';
import { encodeThinkingAsReasoning } from './encode-thinking-as-reasoning.ts';
import type { ResponseFailure } from './map-proxy-error-to-response-failure.ts';
import { mapStopReasonToResponseStatus } from './map-stop-reason-to-response-status.ts';
import type { ResponsesStreamEvent, WireResponse } from './openai-responses-wire.ts';

/** An event before its sequence number is assigned. */
type UnnumberedEvent = ResponsesStreamEvent extends infer Event ? (Event extends unknown ? Omit<Event, 'sequence_number'> : never) : never;

/** The output item an open Anthropic block streams into. */
type OpenBlock =
  /** A message opens at its first text, so an empty text block gives no empty message. */
  | { kind: 'text'; item: { outputIndex: number; id: string } | undefined; text: string }
  /** `summary` is the summary text so far, undefined while no summary part is open. */
  | { kind: 'reasoning'; outputIndex: number; id: string; summary: string | undefined; thinking: string; signature: string }
  | { kind: 'function_call'; outputIndex: number; id: string; callId: string; name: string; arguments: string };

export interface OpenAIResponsesStreamState {
  /** The response so far (output holds each item as last announced); lifecycle events carry a copy. */
  response: WireResponse;
  /** Send the thinking text as reasoning summaries: only when the client asked for them, as OpenAI does. */
  reasoningSummary: boolean;
  /** The next event's sequence_number. */
  sequenceNumber: number;
  /** Anthropic block index → its output item, while the block is open. */
  openBlocks: Map<number, OpenBlock>;
  usage: Partial<Usage>;
  stopReason: string | null;
  /** response.created was sent. */
  started: boolean;
  /** A terminal event (completed, incomplete, failed) was sent. */
  finished: boolean;
  /** MCP calls the CLI runs, by tool_use id, until their result completes the item. */
  mcpCalls: Map<string, { outputIndex: number; id: string; server: string; name: string; input: unknown }>;
}

export function createOpenAIResponsesStreamState(options: { response: WireResponse; reasoningSummary: boolean }): OpenAIResponsesStreamState {
  return {
    response: structuredClone(options.response),
    reasoningSummary: options.reasoningSummary,
    sequenceNumber: 0,
    openBlocks: new Map(),
    usage: {},
    stopReason: null,
    started: false,
    finished: false,
    mcpCalls: new Map(),
  };
}

export function stepOpenAIResponsesEvents(state: OpenAIResponsesStreamState, event: RawMessageStreamEvent): ResponsesStreamEvent[] {
  if (state.finished) return [];
  if (event.type === 'message_start') {
    state.response.model = event.message.model;
    state.usage = { ...event.message.usage };
    return state.started ? [] : number(state, startEvents(state));
  }
  if (!state.started) throw new ProxyError('api_error', `unexpected event order: ${event.type} before message_start`);
  switch (event.type) {
    case 'content_block_start':
      return number(state, startBlock(state, event.index, event.content_block));
    case 'content_block_delta': {
      const block = state.openBlocks.get(event.index);
      if (block == null) return [];
      const delta = event.delta;
      switch (delta.type) {
        case 'text_delta':
          return block.kind === 'text' ? number(state, textDelta(state, block, delta.text)) : [];
        case 'thinking_delta':
          if (block.kind !== 'reasoning') return [];
          block.thinking += delta.thinking;
          return number(state, summaryDelta(state, block, delta.thinking));
        case 'input_json_delta':
          if (block.kind !== 'function_call' || delta.partial_json === '') return [];
          block.arguments += delta.partial_json;
          return number(state, [
            { type: 'response.function_call_arguments.delta', item_id: block.id, output_index: block.outputIndex, delta: delta.partial_json },
          ]);
        case 'signature_delta':
          if (block.kind === 'reasoning') block.signature += delta.signature;
          return [];
        case 'citations_delta':
          return [];
        default:
          return assertNever(delta, 'content block delta');
      }
    }
    case 'content_block_stop': {
      const block = state.openBlocks.get(event.index);
      if (block == null) return [];
      state.openBlocks.delete(event.index);
      return number(state, closeBlock(state, block));
    }
    case 'message_delta': {
      state.stopReason = event.delta.stop_reason;
      applyUsageDelta(state.usage, event.usage);
      return [];
    }
    case 'message_stop':
      return finishOpenAIResponsesEvents(state);
    default:
      return assertNever(event, 'stream event');
  }
}

/** Closes what is still open and sends response.completed or response.incomplete. Idempotent. */
export function finishOpenAIResponsesEvents(state: OpenAIResponsesStreamState): ResponsesStreamEvent[] {
  if (state.finished || !state.started) return [];
  const events = closeOpenBlocks(state);
  const outcome = mapStopReasonToResponseStatus(state.stopReason);
  state.finished = true;
  state.response.status = outcome.status;
  state.response.incomplete_details = outcome.incomplete_details;
  state.response.usage = convertResponsesUsage(state.usage);
  events.push({ type: outcome.status === 'completed' ? 'response.completed' : 'response.incomplete', response: snapshot(state) });
  return number(state, events);
}

/**
 * A failure after the stream started: response.failed with the error (what Codex reads), then an `error` event
 * (what makes the openai SDK throw). Sends response.created first if nothing was sent yet, because the SDK's
 * accumulator rejects any other first event.
 */
export function failOpenAIResponsesEvents(state: OpenAIResponsesStreamState, failure: ResponseFailure): ResponsesStreamEvent[] {
  if (state.finished) return [];
  const events: UnnumberedEvent[] = state.started ? [] : startEvents(state);
  for (const block of state.openBlocks.values()) markIncomplete(state, block);
  state.openBlocks.clear();
  state.finished = true;
  state.response.status = 'failed';
  state.response.error = { code: failure.code as NonNullable<WireResponse['error']>['code'], message: failure.message };
  state.response.usage = convertResponsesUsage(state.usage);
  events.push({ type: 'response.failed', response: snapshot(state) });
  events.push({
    type: 'error',
    code: failure.code,
    message: failure.message,
    param: failure.param,
    error: { type: failure.type, code: failure.code, message: failure.message, param: failure.param },
  });
  return number(state, events);
}

function number(state: OpenAIResponsesStreamState, events: UnnumberedEvent[]): ResponsesStreamEvent[] {
  return events.map((event) => ({ ...event, sequence_number: state.sequenceNumber++ }) as ResponsesStreamEvent);
}

function snapshot(state: OpenAIResponsesStreamState): WireResponse {
  return structuredClone(state.response);
}

function startEvents(state: OpenAIResponsesStreamState): UnnumberedEvent[] {
  state.started = true;
  return [
    { type: 'response.created', response: snapshot(state) },
    { type: 'response.in_progress', response: snapshot(state) },
  ];
}

function itemId(state: OpenAIResponsesStreamState, prefix: 'msg' | 'fc' | 'rs', outputIndex: number): string {
  return buildOutputItemId(state.response.id, prefix, outputIndex);
}

function addItem(state: OpenAIResponsesStreamState, item: WireResponse['output'][number]): UnnumberedEvent {
  const outputIndex = state.response.output.length;
  state.response.output.push(structuredClone(item));
  return { type: 'response.output_item.added', output_index: outputIndex, item };
}

function startBlock(
  state: OpenAIResponsesStreamState,
  index: number,
  block: Extract<RawMessageStreamEvent, { type: 'content_block_start' }>['content_block'],
): UnnumberedEvent[] {
  const outputIndex = state.response.output.length;
  const mcp = mcpEvents(state, block as unknown as McpBlock);
  if (mcp != null) return mcp;
  switch (block.type) {
    case 'text':
      state.openBlocks.set(index, { kind: 'text', item: undefined, text: '' });
      return [];
    case 'thinking': {
      const id = itemId(state, 'rs', outputIndex);
      state.openBlocks.set(index, { kind: 'reasoning', outputIndex, id, summary: undefined, thinking: '', signature: '' });
      return [addItem(state, buildReasoningItem(id, undefined))];
    }
    case 'redacted_thinking': {
      // Nothing streams: the item is complete at once, carrying the block for the client to send back.
      const id = itemId(state, 'rs', outputIndex);
      const item = buildReasoningItem(id, undefined, encodeThinkingAsReasoning(block));
      const added = addItem(state, buildReasoningItem(id, undefined));
      state.response.output[outputIndex] = structuredClone(item);
      return [added, { type: 'response.output_item.done', output_index: outputIndex, item }];
    }
    case 'tool_use': {
      const id = itemId(state, 'fc', outputIndex);
      state.openBlocks.set(index, { kind: 'function_call', outputIndex, id, callId: block.id, name: block.name, arguments: '' });
      return [addItem(state, buildFunctionCallItem(id, block.id, block.name, '', 'in_progress'))];
    }
    default:
      // Server-tool blocks carry nothing a Responses client could use.
      return [];
  }
}

type McpBlock =
  | { type: 'mcp_tool_use'; id: string; name: string; server_name: string; input: unknown }
  | { type: 'mcp_tool_result'; tool_use_id: string; content: unknown; is_error?: boolean }
  | { type: 'other' };

/**
 * An MCP call the CLI runs arrives whole (mcp-tool-rounds.ts): its item is added when the call starts, and done, with
 * its output, when the result block comes. Undefined for any other block.
 */
function mcpEvents(state: OpenAIResponsesStreamState, block: McpBlock): UnnumberedEvent[] | undefined {
  switch (block.type) {
    case 'mcp_tool_use': {
      const outputIndex = state.response.output.length;
      const call = { outputIndex, id: buildMcpCallItemId(block.id), server: block.server_name, name: block.name, input: block.input };
      state.mcpCalls.set(block.id, call);
      return [
        addItem(state, buildMcpCallItem(call.id, call, undefined)),
        { type: 'response.mcp_call.in_progress', item_id: call.id, output_index: outputIndex },
      ];
    }
    case 'mcp_tool_result': {
      const call = state.mcpCalls.get(block.tool_use_id);
      if (call == null) return [];
      state.mcpCalls.delete(block.tool_use_id);
      const item = buildMcpCallItem(call.id, call, { text: mcpResultText(block.content), isError: block.is_error === true });
      state.response.output[call.outputIndex] = structuredClone(item);
      return [
        { type: block.is_error === true ? 'response.mcp_call.failed' : 'response.mcp_call.completed', item_id: call.id, output_index: call.outputIndex },
        { type: 'response.output_item.done', output_index: call.outputIndex, item },
      ];
    }
    default:
      return undefined;
  }
}

function textDelta(state: OpenAIResponsesStreamState, block: Extract<OpenBlock, { kind: 'text' }>, text: string): UnnumberedEvent[] {
  if (text === '') return [];
  const events: UnnumberedEvent[] = [];
  if (block.item == null) {
    const outputIndex = state.response.output.length;
    block.item = { outputIndex, id: itemId(state, 'msg', outputIndex) };
    events.push(addItem(state, buildMessageItem(block.item.id, undefined, 'in_progress')));
    events.push({ type: 'response.content_part.added', item_id: block.item.id, output_index: outputIndex, content_index: 0, part: buildOutputText('') });
  }
  block.text += text;
  events.push({
    type: 'response.output_text.delta',
    item_id: block.item.id,
    output_index: block.item.outputIndex,
    content_index: 0,
    delta: text,
    logprobs: [],
  });
  return events;
}

function summaryDelta(state: OpenAIResponsesStreamState, block: Extract<OpenBlock, { kind: 'reasoning' }>, text: string): UnnumberedEvent[] {
  if (!state.reasoningSummary || text === '') return [];
  const events: UnnumberedEvent[] = [];
  const location = { item_id: block.id, output_index: block.outputIndex, summary_index: 0 };
  if (block.summary == null) {
    block.summary = '';
    events.push({ type: 'response.reasoning_summary_part.added', ...location, part: { type: 'summary_text', text: '' } });
  }
  block.summary += text;
  events.push({ type: 'response.reasoning_summary_text.delta', ...location, delta: text });
  return events;
}

function closeBlock(state: OpenAIResponsesStreamState, block: OpenBlock): UnnumberedEvent[] {
  switch (block.kind) {
    case 'text': {
      if (block.item == null) return [];
      const { outputIndex, id } = block.item;
      const location = { item_id: id, output_index: outputIndex, content_index: 0 };
      const item = buildMessageItem(id, block.text, 'completed');
      state.response.output[outputIndex] = structuredClone(item);
      return [
        { type: 'response.output_text.done', ...location, text: block.text, logprobs: [] },
        { type: 'response.content_part.done', ...location, part: buildOutputText(block.text) },
        { type: 'response.output_item.done', output_index: outputIndex, item },
      ];
    }
    case 'reasoning': {
      const events: UnnumberedEvent[] = [];
      if (block.summary != null) {
        const location = { item_id: block.id, output_index: block.outputIndex, summary_index: 0 };
        events.push({ type: 'response.reasoning_summary_text.done', ...location, text: block.summary });
        events.push({ type: 'response.reasoning_summary_part.done', ...location, part: { type: 'summary_text', text: block.summary } });
      }
      const item = buildReasoningItem(
        block.id,
        block.summary,
        encodeThinkingAsReasoning({ type: 'thinking', thinking: block.thinking, signature: block.signature }),
      );
      state.response.output[block.outputIndex] = structuredClone(item);
      events.push({ type: 'response.output_item.done', output_index: block.outputIndex, item });
      return events;
    }
    case 'function_call': {
      // A call without input fragments has the empty object as input.
      const argumentsText = block.arguments === '' ? '{}' : block.arguments;
      const item = buildFunctionCallItem(block.id, block.callId, block.name, argumentsText, 'completed');
      state.response.output[block.outputIndex] = structuredClone(item);
      return [
        { type: 'response.function_call_arguments.done', item_id: block.id, output_index: block.outputIndex, name: block.name, arguments: argumentsText },
        { type: 'response.output_item.done', output_index: block.outputIndex, item },
      ];
    }
    default:
      return assertNever(block, 'open block');
  }
}

function closeOpenBlocks(state: OpenAIResponsesStreamState): UnnumberedEvent[] {
  const events = [...state.openBlocks.values()].flatMap((block) => closeBlock(state, block));
  state.openBlocks.clear();
  return events;
}

/** The snapshot of a failed response shows what was streamed so far, cut off. */
function markIncomplete(state: OpenAIResponsesStreamState, block: OpenBlock): void {
  switch (block.kind) {
    case 'text':
      if (block.item != null) {
        state.response.output[block.item.outputIndex] = buildMessageItem(block.item.id, block.text, 'incomplete');
      }
      return;
    case 'reasoning':
      state.response.output[block.outputIndex] = { ...buildReasoningItem(block.id, block.summary), status: 'incomplete' };
      return;
    case 'function_call':
      state.response.output[block.outputIndex] = buildFunctionCallItem(block.id, block.callId, block.name, block.arguments, 'incomplete');
      return;
    default:
      return assertNever(block, 'open block');
  }
}
