/**
 * @module
 * PURE. Folds Anthropic raw stream events into the final Message of a non-streaming response, with the same
 * rules as the SDK's MessageStream: blocks are addressed by index, cumulative usage counters overwrite.
 */
import type { Message, RawMessageStreamEvent } from '@anthropic-ai/sdk/resources/messages';
import { assertNever, ProxyError } from '../../errors.ts';
import { applyUsageDelta } from './apply-usage-delta.ts';

export interface MessageAccumulator {
  message: Message | undefined;
  /** Raw partial_json per tool_use block index, parsed when the block stops. */
  toolInputJson: Map<number, string>;
  done: boolean;
}

export function createMessageAccumulator(): MessageAccumulator {
  return { message: undefined, toolInputJson: new Map(), done: false };
}

export function accumulateMessage(state: MessageAccumulator, event: RawMessageStreamEvent): void {
  if (event.type === 'message_start') {
    state.message = { ...event.message, content: [] };
    return;
  }
  const message = state.message;
  if (message == null) throw new ProxyError('api_error', `unexpected event order: ${event.type} before message_start`);
  switch (event.type) {
    case 'content_block_start':
      message.content[event.index] = structuredClone(event.content_block);
      if (event.content_block.type === 'tool_use') state.toolInputJson.set(event.index, '');
      return;
    case 'content_block_delta': {
      const block = message.content[event.index];
      if (block == null) throw new ProxyError('api_error', `unexpected event order: delta for block ${event.index} before its start`);
      const delta = event.delta;
      switch (delta.type) {
        case 'text_delta':
          if (block.type === 'text') block.text += delta.text;
          return;
        case 'thinking_delta':
          if (block.type === 'thinking') block.thinking += delta.thinking;
          return;
        case 'signature_delta':
          if (block.type === 'thinking') block.signature = delta.signature;
          return;
        case 'input_json_delta':
          state.toolInputJson.set(event.index, (state.toolInputJson.get(event.index) ?? '') + delta.partial_json);
          return;
        case 'citations_delta':
          if (block.type === 'text') block.citations = [...(block.citations ?? []), delta.citation];
          return;
        default:
          return assertNever(delta, 'content block delta');
      }
    }
    case 'content_block_stop': {
      const block = message.content[event.index];
      const json = state.toolInputJson.get(event.index);
      if (block != null && 'input' in block && json != null && json !== '') block.input = parseToolInput(json);
      return;
    }
    case 'message_delta': {
      message.stop_reason = event.delta.stop_reason;
      message.stop_sequence = event.delta.stop_sequence ?? null;
      // Cumulative totals: overwrite when present, never add (SDK MessageStream).
      applyUsageDelta(message.usage, event.usage);
      return;
    }
    case 'message_stop':
      state.done = true;
      return;
    default:
      return assertNever(event, 'stream event');
  }
}

/** The accumulated message; a turn that ended without a complete message is an error, never an empty 200. */
export function finishMessage(state: MessageAccumulator): Message {
  if (state.message == null || !state.done) throw new ProxyError('api_error', 'the model stream ended before the message was complete');
  return { ...state.message, content: state.message.content.filter((block) => block != null) };
}

function parseToolInput(json: string): unknown {
  try {
    return JSON.parse(json);
  } catch {
    throw new ProxyError('api_error', 'the model sent tool input that is not valid JSON');
  }
}
