/**
 * @module
 * PURE. Client stop sequences, applied by the proxy: the CLI has no way to send them upstream. Text is relayed
 * as it arrives, except a tail that could be the start of a stop sequence; at the first match the text is cut,
 * the message closes with stop_reason "stop_sequence", and the caller ends the turn (which stops the CLI).
 * Only text blocks are searched, as the API does (not thinking, not tool input).
 */
import type { RawMessageStreamEvent } from '@anthropic-ai/sdk/resources/messages';
import { ProxyError } from '../errors.ts';
import { advanceStopSequenceAutomaton, buildStopSequenceAutomaton, type StopSequenceAutomaton } from './build-stop-sequence-automaton.ts';

export interface StopSequenceState {
  sequences: readonly string[];
  automaton: StopSequenceAutomaton;
  /** The automaton's state over the current text block: its depth is the length of `pending`. */
  matchState: number;
  /** Block index of the text block being relayed, and its held-back tail. */
  textIndex: number | undefined;
  pending: string;
  /** Characters of text relayed so far: the output token estimate when the proxy stops the message. */
  relayedCharacters: number;
  stopped: boolean;
}

/**
 * The proxy's bounds on stop sequences (the API documents none; OpenAI allows 4): far beyond any real use, and they
 * keep the automaton of one request small (about 50 bytes per character).
 */
export const MAX_STOP_SEQUENCES = 1000;
export const MAX_STOP_SEQUENCE_CHARACTERS = 65_536;

/** A 400 naming `param` when the sequences exceed the bounds above. */
export function validateStopSequences(sequences: readonly string[], param: string): void {
  if (sequences.length > MAX_STOP_SEQUENCES) {
    throw new ProxyError('invalid_request', `${param}: at most ${MAX_STOP_SEQUENCES} stop sequences are supported, got ${sequences.length}`, { param });
  }
  const characters = sequences.reduce((sum, sequence) => sum + sequence.length, 0);
  if (characters > MAX_STOP_SEQUENCE_CHARACTERS) {
    throw new ProxyError(
      'invalid_request',
      `${param}: the stop sequences may hold at most ${MAX_STOP_SEQUENCE_CHARACTERS} characters in all, got ${characters}`,
      { param },
    );
  }
}

/** Output tokens of text the proxy cut short are estimated (about 4 characters per token); the CLI never reports them. */
const CHARACTERS_PER_TOKEN = 4;

export function createStopSequenceState(sequences: readonly string[]): StopSequenceState {
  const kept = sequences.filter((sequence) => sequence !== '');
  return {
    sequences: kept,
    automaton: buildStopSequenceAutomaton(kept),
    matchState: 0,
    textIndex: undefined,
    pending: '',
    relayedCharacters: 0,
    stopped: false,
  };
}

export function stepStopSequences(state: StopSequenceState, event: RawMessageStreamEvent): RawMessageStreamEvent[] {
  if (state.stopped) return [];
  if (state.sequences.length === 0) return [event];
  switch (event.type) {
    case 'content_block_start':
      if (event.content_block.type === 'text') {
        state.textIndex = event.index;
        state.pending = '';
        state.matchState = 0;
      }
      return [event];
    case 'content_block_delta':
      if (event.index !== state.textIndex || event.delta.type !== 'text_delta') return [event];
      return scan(state, event.index, event.delta.text);
    case 'content_block_stop': {
      if (event.index !== state.textIndex) return [event];
      // The block is over: what was held back can no longer start a match.
      const flushed = state.pending !== '' ? [textDelta(event.index, state.pending)] : [];
      state.relayedCharacters += state.pending.length;
      state.pending = '';
      state.matchState = 0;
      state.textIndex = undefined;
      return [...flushed, event];
    }
    default:
      return [event];
  }
}

/**
 * Feeds the delta to the automaton. The first sequence to be completed wins (the earliest end, as when the model
 * generates it; at one end the longest); the text is cut where it starts, which may be inside the held-back tail.
 */
function scan(state: StopSequenceState, index: number, delta: string): RawMessageStreamEvent[] {
  const { automaton } = state;
  let current = state.matchState;
  for (let position = 0; position < delta.length; position += 1) {
    current = advanceStopSequenceAutomaton(automaton, current, delta.charCodeAt(position));
    const sequence = automaton.match[current];
    if (sequence == null) continue;
    state.stopped = true;
    const text = state.pending + delta.slice(0, position + 1);
    const before = text.slice(0, text.length - sequence.length);
    state.relayedCharacters += before.length;
    return [
      ...(before !== '' ? [textDelta(index, before)] : []),
      { type: 'content_block_stop', index },
      {
        type: 'message_delta',
        delta: { stop_reason: 'stop_sequence', stop_sequence: sequence },
        usage: { output_tokens: Math.max(1, Math.ceil(state.relayedCharacters / CHARACTERS_PER_TOKEN)) },
      } as RawMessageStreamEvent,
      { type: 'message_stop' },
    ];
  }
  state.matchState = current;
  const text = state.pending + delta;
  const held = automaton.depth[current]!;
  const ready = text.slice(0, text.length - held);
  state.pending = text.slice(text.length - held);
  state.relayedCharacters += ready.length;
  return ready !== '' ? [textDelta(index, ready)] : [];
}

function textDelta(index: number, text: string): RawMessageStreamEvent {
  return { type: 'content_block_delta', index, delta: { type: 'text_delta', text } };
}
