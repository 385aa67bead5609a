import { describe, expect, it } from 'vitest';
import { announcedModelOf, answerIsContinuable, createTurnObservation, observeTurnLine, phaseAfterLine, resultAllowsContinuing, type StreamPhase } from './observe-turn-lines.ts';
import { isLineOfType } from '../../test/support/cli-line-type.ts';
import { fixtureLines } from '../../test/support/cli-fixtures.ts';

const fixture = (name: string): string[] => fixtureLines(name);

/** The lines the consumer is handed: up to and including message_stop, as streamTurnEvents stops there. */
function observe(lines: readonly string[]) {
  const observation = createTurnObservation();
  const stop = lines.findIndex((line) => line.includes('"type":"message_stop"'));
  for (const line of lines.slice(0, stop + 1)) observeTurnLine(observation, line);
  return { observation, result: lines.find((line) => isLineOfType(line, 'result'))! };
}

describe('observeTurnLine', () => {
  it('records the answer as the CLI recorded it, thinking included, and a clean end', () => {
    const { observation, result } = observe(fixture('thinking-and-text'));
    expect(observation.reply).toEqual([
      { type: 'thinking', thinking: 'The user wants a short answer.', signature: 'c2lnbmF0dXJlLWZpeHR1cmU=' },
      { type: 'text', text: 'Four.' },
    ]);
    expect(answerIsContinuable(observation)).toBe(true);
    expect(resultAllowsContinuing(result)).toBe(true);
  });

  it('does not continue after a tool call', () => {
    const { observation } = observe(fixture('tool-use'));
    expect(observation.endedAtMessageStop).toBe(true);
    expect(answerIsContinuable(observation)).toBe(false);
  });

  it('does not continue when the consumer stopped before message_stop (a stop sequence cut the answer)', () => {
    const lines = fixture('text');
    const observation = createTurnObservation();
    for (const line of lines.slice(0, lines.findIndex((line) => isLineOfType(line, 'assistant')) + 1)) observeTurnLine(observation, line);
    expect(observation.reply).toHaveLength(1);
    expect(answerIsContinuable(observation)).toBe(false);
  });

  it('does not continue after an error result or another stop reason', () => {
    const { result } = observe(fixture('text'));
    expect(resultAllowsContinuing(result.replace('"stop_reason":"end_turn"', '"stop_reason":"max_tokens"'))).toBe(false);
    expect(resultAllowsContinuing(fixture('error-500').find((line) => isLineOfType(line, 'result'))!)).toBe(false);
    expect(resultAllowsContinuing('not json')).toBe(false);
  });

  it('does not continue a conversation near the context window', () => {
    const { result } = observe(fixture('text'));
    expect(resultAllowsContinuing(result.replace('"cache_read_input_tokens":0', '"cache_read_input_tokens":149000'))).toBe(true);
    expect(resultAllowsContinuing(result.replace('"cache_read_input_tokens":0', '"cache_read_input_tokens":160000'))).toBe(false);
  });
});

describe('phaseAfterLine', () => {
  function phases(name: string): string[] {
    let phase: StreamPhase = 'quiet';
    return fixture(name).map((line) => (phase = phaseAfterLine(phase, line)));
  }

  it('is text only while text deltas stream, quiet while the model thinks or between blocks', () => {
    const thinking = phases('thinking-and-text');
    const lines = fixture('thinking-and-text');
    lines.forEach((line, index) => {
      if (line.includes('"thinking_delta"')) expect(thinking[index]).toBe('quiet');
      if (line.includes('"text_delta"')) expect(thinking[index]).toBe('text');
      if (line.includes('"content_block_stop"') || line.includes('"message_delta"')) expect(thinking[index]).toBe('quiet');
    });
    expect(thinking).toContain('text');
  });

  it('is quiet while a tool call input streams (the API buffers each parameter)', () => {
    const lines = fixture('tool-use');
    const tool = phases('tool-use');
    lines.forEach((line, index) => {
      if (line.includes('"input_json_delta"')) expect(tool[index]).toBe('quiet');
    });
  });

  it('keeps the phase across lines that are not stream events (assistant, system, thinking_tokens)', () => {
    expect(phaseAfterLine('text', '{"type":"assistant","message":{"content":[{"type":"text","text":"x"}]}}')).toBe('text');
    expect(phaseAfterLine('quiet', '{"type":"system","subtype":"thinking_tokens","estimated_tokens":3}')).toBe('quiet');
  });

  it('is not fooled by text that quotes a delta type', () => {
    const line = JSON.stringify({ type: 'stream_event', event: { type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: '{"type":"text_delta"}' } } });
    expect(phaseAfterLine('quiet', line)).toBe('quiet');
  });
});

describe('announcedModelOf', () => {
  it('reads the model id of a recorded system/init line, and nothing from other lines', () => {
    const lines = fixture('text');
    expect(lines.map(announcedModelOf).filter((model) => model != null)).toEqual(['claude-sonnet-4-6']);
    expect(announcedModelOf('{"type":"system","subtype":"init"')).toBeUndefined();
  });
});
