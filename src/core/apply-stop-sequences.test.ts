import type { RawMessageStreamEvent } from '@anthropic-ai/sdk/resources/messages';
import { describe, expect, it } from 'vitest';
import { createStopSequenceState, MAX_STOP_SEQUENCE_CHARACTERS, MAX_STOP_SEQUENCES, stepStopSequences, validateStopSequences } from './apply-stop-sequences.ts';

const start: RawMessageStreamEvent = {
  type: 'message_start',
  message: {
    id: 'msg_1',
    type: 'message',
    role: 'assistant',
    model: 'm',
    content: [],
    stop_reason: null,
    stop_sequence: null,
    usage: { input_tokens: 1, output_tokens: 1 },
  } as never,
};

function textTurn(...chunks: string[]): RawMessageStreamEvent[] {
  return [
    start,
    { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } as never },
    ...chunks.map((text) => ({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } }) as RawMessageStreamEvent),
    { type: 'content_block_stop', index: 0 },
    { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 9 } } as never,
    { type: 'message_stop' },
  ];
}

function run(sequences: string[], events: RawMessageStreamEvent[]) {
  const state = createStopSequenceState(sequences);
  const out = events.flatMap((event) => stepStopSequences(state, event));
  const text = out.map((event) => (event.type === 'content_block_delta' && event.delta.type === 'text_delta' ? event.delta.text : '')).join('');
  return { out, text, state };
}

describe('stepStopSequences', () => {
  it('passes everything through without stop sequences', () => {
    const events = textTurn('a', 'b');
    expect(run([], events).out).toEqual(events);
  });

  it('cuts at a stop sequence split across deltas and closes the message with stop_sequence', () => {
    const { out, text, state } = run(['STOP'], textTurn('Hel', 'lo ST', 'OP more', ' and more'));
    expect(text).toBe('Hello ');
    expect(out.slice(-3)).toEqual([
      { type: 'content_block_stop', index: 0 },
      { type: 'message_delta', delta: { stop_reason: 'stop_sequence', stop_sequence: 'STOP' }, usage: { output_tokens: 2 } },
      { type: 'message_stop' },
    ]);
    expect(out.filter((event) => event.type === 'message_stop')).toHaveLength(1);
    expect(state.stopped).toBe(true);
  });

  it('uses the earliest match among several sequences', () => {
    expect(run(['END', 'x'], textTurn('abc x def END')).out.at(-2)).toMatchObject({ delta: { stop_sequence: 'x' } });
    expect(run(['END', 'x'], textTurn('abc x def END')).text).toBe('abc ');
  });

  it('relays text at once when its end cannot start a stop sequence, holding back only a possible start', () => {
    const state = createStopSequenceState(['STOP']);
    stepStopSequences(state, start);
    stepStopSequences(state, { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } as never });
    expect(stepStopSequences(state, { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'hello' } })).toEqual([
      { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'hello' } },
    ]);
    expect(stepStopSequences(state, { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: ' wor ST' } })).toEqual([
      { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: ' wor ' } },
    ]);
    expect(state.pending).toBe('ST');
  });

  it('flushes a held-back tail when the text block ends without a match', () => {
    const { text, out } = run(['STOP'], textTurn('almost ST'));
    expect(text).toBe('almost ST');
    expect(out.at(-2)).toMatchObject({ delta: { stop_reason: 'end_turn' } });
  });

  it('does not search thinking or tool input', () => {
    const events: RawMessageStreamEvent[] = [
      start,
      { type: 'content_block_start', index: 0, content_block: { type: 'thinking', thinking: '', signature: '' } as never },
      { type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: 'I will say STOP' } },
      { type: 'content_block_stop', index: 0 },
      { type: 'content_block_start', index: 1, content_block: { type: 'tool_use', id: 't', name: 'n', input: {} } as never },
      { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '{"a":"STOP"}' } },
      { type: 'content_block_stop', index: 1 },
      { type: 'message_stop' },
    ];
    expect(run(['STOP'], events).out).toEqual(events);
  });

  it('stops at the sequence the text completes first, as generation would (the longest one at the same end)', () => {
    expect(run(['abcd', 'bc'], textTurn('xab', 'cd')).out.at(-2)).toMatchObject({ delta: { stop_sequence: 'bc' } });
    expect(run(['abcd', 'bc'], textTurn('xab', 'cd')).text).toBe('xa');
    expect(run(['c', 'abc'], textTurn('zabc')).out.at(-2)).toMatchObject({ delta: { stop_sequence: 'abc' } });
  });

  it('holds back a tail that starts a sequence only after a failed longer start (abab then abac)', () => {
    const { text, out } = run(['abac'], textTurn('xabab', 'ac!'));
    expect(text).toBe('xab');
    expect(out.at(-2)).toMatchObject({ delta: { stop_sequence: 'abac' } });
  });

  it('matches sequences of characters outside the BMP (surrogate pairs)', () => {
    expect(run(['🛑'], textTurn('go 🛑 no')).text).toBe('go ');
  });

  it('costs the same per character with a thousand sequences as with one: no scan per sequence', () => {
    const many = Array.from({ length: 1000 }, (_, index) => `${'q'.repeat(999)}${index}`);
    // Each delta ends just short of a match: the naive scan tried every tail length against every sequence.
    const chunks = Array.from({ length: 20 }, () => `${'q'.repeat(1999)}z`);
    const measure = (sequences: string[]) => {
      const started = performance.now();
      expect(run(sequences, textTurn(...chunks)).text).toBe(chunks.join(''));
      return performance.now() - started;
    };
    const one = measure(['q'.repeat(999) + 'x']);
    expect(measure(many)).toBeLessThan(10 * one + 50);
  });

  it('ignores empty stop sequences', () => {
    expect(run([''], textTurn('abc')).text).toBe('abc');
  });
});

describe('validateStopSequences', () => {
  it('accepts up to the bounds and names the field beyond them', () => {
    expect(() =>
      validateStopSequences(
        Array.from({ length: MAX_STOP_SEQUENCES }, () => 'ab'),
        'stop',
      ),
    ).not.toThrow();
    expect(() =>
      validateStopSequences(
        Array.from({ length: MAX_STOP_SEQUENCES + 1 }, () => 'ab'),
        'stop',
      ),
    ).toThrow(/^stop: at most 1000/);
    expect(() => validateStopSequences(['x'.repeat(MAX_STOP_SEQUENCE_CHARACTERS + 1)], 'stop_sequences')).toThrow(/^stop_sequences: .*65536 characters/);
  });
});
