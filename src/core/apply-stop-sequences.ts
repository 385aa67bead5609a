/**
 * @module
 * PURE. Client stop sequences, applied by the proxy: the CLI has no way to send them upstream. Text is relayed
 * as it arrives, except a tail that could be the start of a stop sequence; at the first match the text is cut,
 * the message closes with stop_reason "stop_sequence", and the caller ends the turn (which stops the CLI).
 * Only text blocks are searched, as the API does (not thinking, not tool input).
 */
import type { RawMessageStreamEvent } from '@anthropic-ai/sdk/resources/messages';

export interface StopSequenceState {
  sequences: readonly string[];
  /** Block index of the text block being relayed, and its held-back tail. */
  textIndex: number | undefined;
  pending: string;
  /** Characters of text relayed so far: the output token estimate when the proxy stops the message. */
  relayedCharacters: number;
  stopped: boolean;
}

/** Output tokens of text the proxy cut short are estimated (about 4 characters per token); the CLI never reports them. */
const CHARACTERS_PER_TOKEN = 4;

export function createStopSequenceState(sequences: readonly string[]): StopSequenceState {
  return { sequences: sequences.filter((sequence) => sequence !== ''), textIndex: undefined, pending: '', relayedCharacters: 0, stopped: false };
}

export function stepStopSequences(state: StopSequenceState, event: RawMessageStreamEvent): RawMessageStreamEvent[] {
  if (state.stopped) return [];
  if (state.sequences.length === 0) return [event];
  switch (event.type) {
    case 'content_block_start':
      if (event.content_block.type === 'text') {
        state.textIndex = event.index;
        state.pending = '';
      }
      return [event];
    case 'content_block_delta':
      if (event.index !== state.textIndex || event.delta.type !== 'text_delta') return [event];
      return scan(state, event.index, state.pending + event.delta.text);
    case 'content_block_stop': {
      if (event.index !== state.textIndex) return [event];
      // The block is over: what was held back can no longer start a match.
      const flushed = state.pending !== '' ? [textDelta(event.index, state.pending)] : [];
      state.relayedCharacters += state.pending.length;
      state.pending = '';
      state.textIndex = undefined;
      return [...flushed, event];
    }
    default:
      return [event];
  }
}

function scan(state: StopSequenceState, index: number, text: string): RawMessageStreamEvent[] {
  let match: { at: number; sequence: string } | undefined;
  for (const sequence of state.sequences) {
    const at = text.indexOf(sequence);
    if (at >= 0 && (match == null || at < match.at)) match = { at, sequence };
  }
  if (match != null) {
    state.stopped = true;
    const before = text.slice(0, match.at);
    state.relayedCharacters += before.length;
    return [
      ...(before !== '' ? [textDelta(index, before)] : []),
      { type: 'content_block_stop', index },
      {
        type: 'message_delta',
        delta: { stop_reason: 'stop_sequence', stop_sequence: match.sequence },
        usage: { output_tokens: Math.max(1, Math.ceil(state.relayedCharacters / CHARACTERS_PER_TOKEN)) },
      } as RawMessageStreamEvent,
      { type: 'message_stop' },
    ];
  }
  const held = heldBackLength(text, state.sequences);
  const ready = text.slice(0, text.length - held);
  state.pending = text.slice(text.length - held);
  state.relayedCharacters += ready.length;
  return ready !== '' ? [textDelta(index, ready)] : [];
}

/** Length of the longest end of `text` that is the beginning of some stop sequence. */
function heldBackLength(text: string, sequences: readonly string[]): number {
  const longest = Math.max(...sequences.map((sequence) => sequence.length)) - 1;
  for (let length = Math.min(longest, text.length); length > 0; length -= 1) {
    const tail = text.slice(text.length - length);
    if (sequences.some((sequence) => sequence.startsWith(tail))) return length;
  }
  return 0;
}

function textDelta(index: number, text: string): RawMessageStreamEvent {
  return { type: 'content_block_delta', index, delta: { type: 'text_delta', text } };
}
