/**
 * @module
 * PURE. Turns the CLI's stdout lines for one turn into the Anthropic raw stream events of one message, which
 * are the proxy's internal vocabulary (docs/decisions/0001-anthropic-events-as-internal-stream.md).
 *
 * The CLI relays the upstream's SSE events in `stream_event` lines; those pass through unchanged. The rest:
 * - `assistant` lines echo each finished block of the streamed message: skipped.
 * - a synthetic `assistant` (model `<synthetic>`) carries an error text; the `result` line that follows decides.
 * - an `assistant` line with a message id never streamed is a non-streamed retry after a dropped connection:
 *   replayed as events if nothing reached the client yet, else the turn fails (a stream cannot be retracted).
 * - `result` ends the turn: an error becomes a ProxyError, a success closes a message left open.
 * - a `message_stop` with no `message_delta` before it is not the upstream's: CLI 2.1.332 writes one itself when the
 *   upstream connection drops, then retries without streaming. It is held back, and the turn goes on as above.
 */
import type { RawMessageStreamEvent } from '@anthropic-ai/sdk/resources/messages';
import { ProxyError } from '../errors.ts';
import { anthropicEventSchema, type CliAssistantLine, type CliLine, type CliResultLine } from './cli-lines.ts';
import { mapCliResultError } from './map-cli-error.ts';

export interface CliEventState {
  phase: 'before_message' | 'in_message' | 'message_done' | 'finished';
  /** Ids of messages whose events were relayed: their `assistant` echoes carry nothing new. */
  streamedMessageIds: Set<string>;
  /** Whether a content block reached the consumer; after that a different message cannot be spliced in. */
  sentContent: boolean;
  /** The upstream's message_delta arrived: only then is a message_stop the upstream's own. */
  messageDeltaSeen: boolean;
  /** Next block index when replaying a non-streamed message. */
  nextIndex: number;
  /** The non-streamed message being replayed: its blocks arrive one `assistant` line each. */
  replayMessageId: string | undefined;
  /** Its own usage and stop reason: the result line of such a turn reports zero usage. */
  replayUsage: { output_tokens?: number | null | undefined } | undefined;
  replayStopReason: string | undefined;
  syntheticError: string | undefined;
  rateLimitResetsAt: number | undefined;
  /** Set when the turn's result line arrived. */
  result: CliResultLine | undefined;
}

export function createCliEventState(): CliEventState {
  return {
    phase: 'before_message',
    streamedMessageIds: new Set(),
    sentContent: false,
    messageDeltaSeen: false,
    nextIndex: 0,
    replayMessageId: undefined,
    replayUsage: undefined,
    replayStopReason: undefined,
    syntheticError: undefined,
    rateLimitResetsAt: undefined,
    result: undefined,
  };
}

export interface CliEventContext {
  nowSeconds: number;
}

/** Advances the state by one line; returns the events to relay. Throws ProxyError when the turn failed. */
export function stepCliEvents(state: CliEventState, line: CliLine, context: CliEventContext): RawMessageStreamEvent[] {
  if (state.phase === 'finished') return [];
  switch (line.type) {
    case 'stream_event':
      if (line.parent_tool_use_id != null) return [];
      return relayStreamEvent(state, line.event);
    case 'assistant':
      return replayAssistant(state, line);
    case 'result':
      return finishWithResult(state, line, context);
    case 'rate_limit_event':
      if (line.rate_limit_info.status === 'rejected') state.rateLimitResetsAt = line.rate_limit_info.resetsAt ?? undefined;
      return [];
    case 'system':
    case 'user':
    case 'control_request':
    case 'control_response':
    case 'unknown':
    case 'invalid':
      return [];
  }
}

function relayStreamEvent(state: CliEventState, raw: { type: string }): RawMessageStreamEvent[] {
  const parsed = anthropicEventSchema.safeParse(raw);
  // ping, error and event types added after this version: not part of the message; the result line reports errors.
  if (!parsed.success) return [];
  // Validated on the fields we read; the rest is the upstream's own event, relayed as is.
  const event = raw as RawMessageStreamEvent;
  if (state.phase === 'message_done') return [];
  if (event.type === 'message_start') {
    state.streamedMessageIds.add(event.message.id);
    if (state.phase === 'in_message') {
      if (state.sentContent) throw interrupted();
      return []; // a retried request before any content: keep the first message_start
    }
    state.phase = 'in_message';
    return [event];
  }
  if (state.phase !== 'in_message') {
    throw new ProxyError('api_error', `Claude Code CLI sent ${event.type} before message_start`);
  }
  if (event.type === 'content_block_start') {
    state.sentContent = true;
    state.nextIndex = event.index + 1;
  }
  if (event.type === 'message_delta') state.messageDeltaSeen = true;
  if (event.type === 'message_stop') {
    // The CLI's own close of a dropped stream (measured on 2.1.332): its non-streamed retry and result follow.
    if (!state.messageDeltaSeen) return [];
    state.phase = 'message_done';
  }
  return [event];
}

function replayAssistant(state: CliEventState, line: CliAssistantLine): RawMessageStreamEvent[] {
  const message = line.message;
  if (line.parent_tool_use_id != null || state.streamedMessageIds.has(message.id)) return [];
  if (message.model === '<synthetic>') {
    state.syntheticError = line.error ?? undefined;
    return [];
  }
  if (state.phase === 'message_done') return [];
  if (state.replayMessageId !== message.id) {
    if (state.sentContent) throw interrupted();
    state.replayMessageId = message.id;
  }
  const events: RawMessageStreamEvent[] = [];
  if (state.phase === 'before_message') {
    events.push({
      type: 'message_start',
      message: { ...message, content: [], stop_reason: null, stop_sequence: null, usage: { ...message.usage, output_tokens: 0 } },
    } as unknown as RawMessageStreamEvent);
    state.phase = 'in_message';
  }
  for (const block of message.content) events.push(...blockEvents(block as Record<string, unknown> & { type: string }, state.nextIndex++));
  state.sentContent = true;
  state.replayUsage = message.usage ?? undefined;
  const stopReason = (message as { stop_reason?: unknown }).stop_reason;
  if (typeof stopReason === 'string') state.replayStopReason = stopReason;
  return events;
}

function blockEvents(block: Record<string, unknown> & { type: string }, index: number): RawMessageStreamEvent[] {
  const events: unknown[] = [];
  switch (block.type) {
    case 'text':
      events.push({ type: 'content_block_start', index, content_block: { type: 'text', text: '' } });
      events.push({ type: 'content_block_delta', index, delta: { type: 'text_delta', text: block.text } });
      break;
    case 'thinking':
      events.push({ type: 'content_block_start', index, content_block: { type: 'thinking', thinking: '', signature: '' } });
      events.push({ type: 'content_block_delta', index, delta: { type: 'thinking_delta', thinking: block.thinking } });
      events.push({ type: 'content_block_delta', index, delta: { type: 'signature_delta', signature: block.signature } });
      break;
    case 'tool_use':
      events.push({ type: 'content_block_start', index, content_block: { ...block, input: {} } });
      events.push({ type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: JSON.stringify(block.input ?? {}) } });
      break;
    default:
      events.push({ type: 'content_block_start', index, content_block: block });
  }
  events.push({ type: 'content_block_stop', index });
  return events as RawMessageStreamEvent[];
}

function finishWithResult(state: CliEventState, result: CliResultLine, context: CliEventContext): RawMessageStreamEvent[] {
  state.result = result;
  const phase = state.phase;
  state.phase = 'finished';
  if (result.is_error) {
    throw mapCliResultError(result, {
      syntheticError: state.syntheticError,
      rateLimitResetsAt: state.rateLimitResetsAt,
      nowSeconds: context.nowSeconds,
    });
  }
  switch (phase) {
    case 'before_message':
      throw new ProxyError('api_error', 'the Claude Code CLI finished the turn without a reply');
    case 'in_message':
      return [
        {
          type: 'message_delta',
          delta: { stop_reason: state.replayStopReason ?? result.stop_reason ?? 'end_turn', stop_sequence: null },
          usage: { output_tokens: state.replayUsage?.output_tokens ?? result.usage?.output_tokens ?? 0 },
        } as unknown as RawMessageStreamEvent,
        { type: 'message_stop' },
      ];
    case 'message_done':
    case 'finished':
      return [];
  }
}

function interrupted(): ProxyError {
  return new ProxyError('api_error', 'the upstream connection dropped mid-stream and the CLI retried with a different answer; retry the request', {
    status: 502,
  });
}
