import { describe, expect, it } from 'vitest';
import { FIXTURE_VERSIONS, fixtureLines, type FixtureVersion } from '../../test/support/cli-fixtures.ts';
import { parseCliLine, type CliLine, type CliResultLine } from './cli-lines.ts';
import { heldCallsOf } from './held-tool-calls.ts';
import {
  announcedModelOf,
  answerIsContinuable,
  createTurnObservation,
  observeTurnLine,
  phaseAfterLine,
  resultAllowsContinuing,
  type StreamPhase,
} from './observe-turn-lines.ts';

const isStop = (line: CliLine) => line.type === 'stream_event' && line.event.type === 'message_stop';
const eventOf = (line: CliLine) => (line.type === 'stream_event' ? (line.event as { type: string; delta?: { type?: string } }) : undefined);

describe.each(FIXTURE_VERSIONS)('on lines recorded from CLI %s', (version: FixtureVersion) => {
  const fixture = (name: string): CliLine[] => fixtureLines(name, version).map(parseCliLine);
  const resultOf = (lines: readonly CliLine[]) => lines.find((line): line is CliResultLine => line.type === 'result')!;

  /** The lines the consumer is handed: up to and including message_stop, as streamTurnEvents stops there. */
  function observe(lines: readonly CliLine[]) {
    const observation = createTurnObservation();
    for (const line of lines.slice(0, lines.findIndex(isStop) + 1)) observeTurnLine(observation, line);
    return { observation, result: resultOf(lines) };
  }

  describe('observeTurnLine', () => {
    it('still ends at message_stop after the quota line that follows it (subscription logins)', () => {
      const lines = fixture('text');
      const quota = parseCliLine('{"type":"rate_limit_event","rate_limit_info":{"status":"allowed","isUsingOverage":false}}');
      const observation = createTurnObservation();
      for (const line of [...lines.slice(0, lines.findIndex(isStop) + 1), quota]) observeTurnLine(observation, line);
      expect(observation.endedAtMessageStop).toBe(true);
      expect(answerIsContinuable(observation)).toBe(true);
    });

    it('records the answer as the CLI recorded it, thinking included, and a clean end', () => {
      const { observation, result } = observe(fixture('thinking-and-text'));
      expect(observation.reply).toEqual([
        { type: 'thinking', thinking: 'The user wants a short answer.', signature: 'c2lnbmF0dXJlLWZpeHR1cmU=' },
        { type: 'text', text: 'Four.' },
      ]);
      expect(answerIsContinuable(observation)).toBe(true);
      expect(resultAllowsContinuing(result)).toBe(true);
      expect(observation.stopReason).toBe('end_turn');
    });

    it('does not continue after a tool call, but holds the call: the answer stopped for tool use', () => {
      const { observation } = observe(fixture('tool-use'));
      expect(observation.endedAtMessageStop).toBe(true);
      expect(answerIsContinuable(observation)).toBe(false);
      expect(observation.stopReason).toBe('tool_use');
      // Recorded with a tool of the upstream's own (get_weather): not a client tool, so not held; the same call of the
      // client's tool (mcp__t__get_weather) would be.
      expect(heldCallsOf(observation.reply, observation.stopReason)).toBeUndefined();
      const asClientTool = observation.reply.map((block) => (block.type === 'tool_use' ? { ...block, name: `mcp__t__${block.name}` } : block));
      expect(heldCallsOf(asClientTool, observation.stopReason)).toEqual([
        { id: 'toolu_fixture01', name: 'mcp__t__get_weather', input: { city: 'Paris', unit: 'celsius' } },
      ]);
    });

    it('does not continue when the consumer stopped before message_stop (a stop sequence cut the answer)', () => {
      const lines = fixture('text');
      const observation = createTurnObservation();
      for (const line of lines.slice(0, lines.findIndex((line) => line.type === 'assistant') + 1)) observeTurnLine(observation, line);
      expect(observation.reply).toHaveLength(1);
      expect(answerIsContinuable(observation)).toBe(false);
    });

    it('does not continue after an error result or another stop reason', () => {
      const { result } = observe(fixture('text'));
      expect(resultAllowsContinuing({ ...result, stop_reason: 'max_tokens' })).toBe(false);
      expect(resultAllowsContinuing(resultOf(fixture('error-500')))).toBe(false);
    });

    it('does not continue a conversation near the context window', () => {
      const { result } = observe(fixture('text'));
      expect(resultAllowsContinuing({ ...result, usage: { ...result.usage, cache_read_input_tokens: 149_000 } })).toBe(true);
      expect(resultAllowsContinuing({ ...result, usage: { ...result.usage, cache_read_input_tokens: 160_000 } })).toBe(false);
    });
  });

  describe('phaseAfterLine', () => {
    function phases(lines: readonly CliLine[]): StreamPhase[] {
      let phase: StreamPhase = 'quiet';
      return lines.map((line) => (phase = phaseAfterLine(phase, line)));
    }

    it('is text only while text deltas stream, quiet while the model thinks or between blocks', () => {
      const lines = fixture('thinking-and-text');
      const seen = phases(lines);
      lines.forEach((line, index) => {
        const event = eventOf(line);
        if (event?.delta?.type === 'thinking_delta') expect(seen[index]).toBe('quiet');
        if (event?.delta?.type === 'text_delta') expect(seen[index]).toBe('text');
        if (event?.type === 'content_block_stop' || event?.type === 'message_delta') expect(seen[index]).toBe('quiet');
      });
      expect(seen).toContain('text');
    });

    it('is quiet while a tool call input streams (the API buffers each parameter)', () => {
      const lines = fixture('tool-use');
      const seen = phases(lines);
      lines.forEach((line, index) => {
        if (eventOf(line)?.delta?.type === 'input_json_delta') expect(seen[index]).toBe('quiet');
      });
    });

    it('keeps the phase across lines that are not stream events (assistant, system, thinking_tokens)', () => {
      const assistant = fixture('text').find((line) => line.type === 'assistant')!;
      expect(phaseAfterLine('text', assistant)).toBe('text');
      expect(phaseAfterLine('quiet', parseCliLine('{"type":"system","subtype":"thinking_tokens","estimated_tokens":3}'))).toBe('quiet');
    });
  });

  describe('announcedModelOf', () => {
    it('reads the model id of the system/init line, and nothing from other lines', () => {
      expect(
        fixture('text')
          .map(announcedModelOf)
          .filter((model) => model != null),
      ).toEqual(['claude-sonnet-4-6']);
    });
  });
});
