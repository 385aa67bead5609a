import type { RawMessageStreamEvent } from '@anthropic-ai/sdk/resources/messages';
import { describe, expect, it } from 'vitest';
import { ProxyError } from '../errors.ts';
import { parseCliLine } from './cli-lines.ts';
import { createCliEventState, stepCliEvents, type CliEventState } from './convert-cli-lines-to-anthropic-events.ts';
import { LOGIN_HINT } from './map-cli-error.ts';
import { isLineOfType } from '../../test/support/cli-line-type.ts';
import { FIXTURE_VERSIONS, fixtureLines as recordedLines, type FixtureVersion } from '../../test/support/cli-fixtures.ts';

const CONTEXT = { nowSeconds: 1_000 };

/**
 * The upstream events the CLI relayed, in order (what the proxy should pass through unchanged), without the
 * message_stop CLI 2.1.332 writes itself when a stream drops (no message_delta came before it: not the upstream's).
 */
function relayedEvents(lines: readonly string[]): unknown[] {
  const events = lines
    .map((line) => JSON.parse(line) as { type: string; event?: { type?: string } })
    .filter((line) => line.type === 'stream_event')
    .map((line) => line.event!);
  return events.filter((event, index) => event.type !== 'message_stop' || events.slice(0, index).some((earlier) => earlier.type === 'message_delta'));
}

function convert(lines: readonly string[], state: CliEventState = createCliEventState()): { events: RawMessageStreamEvent[]; state: CliEventState } {
  const events: RawMessageStreamEvent[] = [];
  for (const line of lines) events.push(...stepCliEvents(state, parseCliLine(line), CONTEXT));
  return { events, state };
}

/** Runs the lines; returns the events relayed before the failure and the failure. */
function convertFailing(lines: readonly string[]): { events: RawMessageStreamEvent[]; error: ProxyError } {
  const state = createCliEventState();
  const events: RawMessageStreamEvent[] = [];
  for (const line of lines) {
    try {
      events.push(...stepCliEvents(state, parseCliLine(line), CONTEXT));
    } catch (error) {
      if (!(error instanceof ProxyError)) throw error;
      return { events, error };
    }
  }
  throw new Error('expected the turn to fail with a ProxyError');
}

function resultText(lines: readonly string[]): string {
  return (JSON.parse(lines.find((line) => isLineOfType(line, 'result'))!) as { result: string }).result;
}

describe.each(FIXTURE_VERSIONS)('recorded on CLI %s', (version: FixtureVersion) => {
  const fixtureLines = (scenario: string): string[] => recordedLines(scenario, version);

  describe('stepCliEvents on a recorded text turn', () => {
    const lines = fixtureLines('text');

    it('relays exactly the stream_event payloads, in order', () => {
      const { events, state } = convert(lines);
      expect(events).toEqual(relayedEvents(lines));
      expect(events.map((event) => event.type)).toEqual([
        'message_start',
        'content_block_start',
        'content_block_delta',
        'content_block_delta',
        'content_block_delta',
        'content_block_stop',
        'message_delta',
        'message_stop',
      ]);
      expect(state.phase).toBe('finished');
      expect(state.result).toMatchObject({ subtype: 'success', result: 'Hello from the fake upstream.' });
    });

    it('skips the assistant echo of a streamed block', () => {
      const state = createCliEventState();
      const echo = lines.find((line) => isLineOfType(line, 'assistant'))!;
      convert(lines.slice(0, lines.indexOf(echo)), state);
      expect(stepCliEvents(state, parseCliLine(echo), CONTEXT)).toEqual([]);
      expect(state.sentContent).toBe(true);
    });

    it('relays nothing after the result line', () => {
      const { state } = convert(lines);
      for (const line of lines) expect(stepCliEvents(state, parseCliLine(line), CONTEXT)).toEqual([]);
    });

    it('ignores system, control, unknown and invalid lines', () => {
      const state = createCliEventState();
      for (const text of [
        lines[0]!,
        lines[1]!,
        lines[2]!,
        '{"type":"user","message":{}}',
        'not json',
        '{"type":"rate_limit_event","rate_limit_info":{"status":"allowed"}}',
      ]) {
        expect(stepCliEvents(state, parseCliLine(text), CONTEXT)).toEqual([]);
      }
      expect(state.phase).toBe('before_message');
    });

    it('skips the lines of a subagent (parent_tool_use_id set)', () => {
      const withSubagent = lines.flatMap((line) => {
        const parsed = JSON.parse(line) as { type: string; event?: { type: string } };
        if (parsed.type !== 'stream_event' || parsed.event?.type !== 'content_block_stop') return [line];
        const subagentDelta = JSON.stringify({
          ...parsed,
          event: { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'SUBAGENT' } },
          parent_tool_use_id: 'toolu_parent',
        });
        const subagentMessage = JSON.stringify({
          type: 'assistant',
          message: { id: 'msg_subagent', model: 'claude-sonnet-4-6', content: [{ type: 'text', text: 'SUBAGENT' }] },
          parent_tool_use_id: 'toolu_parent',
        });
        return [subagentDelta, subagentMessage, line];
      });
      expect(withSubagent.length).toBe(lines.length + 2);
      expect(convert(withSubagent).events).toEqual(relayedEvents(lines));
    });

    it('ignores stream events it does not know (ping)', () => {
      const ping = JSON.stringify({ type: 'stream_event', event: { type: 'ping' }, parent_tool_use_id: null });
      expect(convert([...lines.slice(0, 4), ping, ...lines.slice(4)]).events).toEqual(relayedEvents(lines));
    });

    it('keeps the first message_start when a request is retried before any content', () => {
      const messageStart = lines.find((line) => line.includes('"type":"message_start"'))!;
      const retried = messageStart.replace('msg_fake0001', 'msg_retry');
      const { events, state } = convert([...lines.slice(0, 4), retried, ...lines.slice(4)]);
      expect(events).toEqual(relayedEvents(lines));
      expect(state.streamedMessageIds).toEqual(new Set(['msg_fake0001', 'msg_retry']));
    });

    it('throws when a content event comes before message_start', () => {
      const delta = lines.find((line) => line.includes('"type":"content_block_delta"'))!;
      const { events, error } = convertFailing([delta]);
      expect(events).toEqual([]);
      expect(error).toMatchObject({ kind: 'api_error', status: 500, message: 'Claude Code CLI sent content_block_delta before message_start' });
    });
  });

  describe('stepCliEvents on recorded thinking and tool use', () => {
    it('passes thinking and signature deltas through', () => {
      const lines = fixtureLines('thinking-and-text');
      const { events } = convert(lines);
      expect(events).toEqual(relayedEvents(lines));
      expect(events).toContainEqual({ type: 'content_block_start', index: 0, content_block: { type: 'thinking', thinking: '', signature: '' } });
      expect(events).toContainEqual({ type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: 'The user wants a short answer.' } });
      expect(events).toContainEqual({ type: 'content_block_delta', index: 0, delta: { type: 'signature_delta', signature: 'c2lnbmF0dXJlLWZpeHR1cmU=' } });
    });

    it('passes tool_use blocks through, ends the message at message_stop and relays nothing after it', () => {
      const lines = fixtureLines('tool-use');
      const relayed = relayedEvents(lines);
      const firstStop = relayed.findIndex((event) => (event as { type: string }).type === 'message_stop');
      const stopLine = lines.findIndex((line) => line.includes('"type":"message_stop"'));
      // Another message after it (a CLI asking the model again) is not the client's: nothing of it is relayed.
      const again = lines.filter((line) => isLineOfType(line, 'stream_event')).map((line) => line.replaceAll('msg_fake0001', 'msg_again'));
      const { events, state } = convert([...lines.slice(0, stopLine + 1), ...again]);
      expect(events).toEqual(relayed.slice(0, firstStop + 1));
      expect(events).toContainEqual({
        type: 'content_block_start',
        index: 1,
        content_block: { type: 'tool_use', id: 'toolu_fixture01', name: 'get_weather', input: {} },
      });
      expect(events.at(-2)).toMatchObject({ type: 'message_delta', delta: { stop_reason: 'tool_use' } });
      expect(state.phase).toBe('message_done');
      // --max-turns 1: the CLI itself made no second model call.
      expect(relayed.filter((event) => (event as { type: string }).type === 'message_start')).toHaveLength(1);
    });
  });

  describe('stepCliEvents on recorded upstream errors', () => {
    it.each([
      ['error-429', 429, 'rate_limit'],
      ['error-500', 500, 'api_error'],
      ['error-529', 529, 'overloaded'],
      ['error-400', 400, 'invalid_request'],
      ['error-404', 404, 'not_found'],
    ] as const)('%s throws a ProxyError with status %i and the CLI text', (scenario, status, kind) => {
      const lines = fixtureLines(scenario);
      const { events, error } = convertFailing(lines);
      expect(events).toEqual([]);
      expect(error).toMatchObject({ status, kind, message: resultText(lines) });
    });

    it('error-401 throws an authentication error with the CLI text', () => {
      const lines = fixtureLines('error-401');
      const { error } = convertFailing(lines);
      expect(error).toMatchObject({ status: 401, kind: 'authentication' });
      expect(error.message).toContain(resultText(lines));
    });

    it('not-logged-in throws a 401 with the login hint', () => {
      const lines = fixtureLines('not-logged-in');
      // The CLI gives no status for this case: the text and the synthetic error tag decide.
      expect(lines.at(-1)).toContain('"api_error_status":null');
      const { error } = convertFailing(lines);
      expect(error).toMatchObject({ status: 401, kind: 'authentication' });
      expect(error.message).toContain('Not logged in');
      expect(error.message).toContain(LOGIN_HINT);
    });

    it('uses the synthetic error tag when the text alone says nothing', () => {
      const lines = fixtureLines('error-429').map((line) =>
        isLineOfType(line, 'result')
          ? line.replace('"api_error_status":429', '"api_error_status":null').replace(/"result":"[^"]*"/, '"result":"Request rejected"')
          : line,
      );
      expect(convertFailing(lines).error).toMatchObject({ status: 429, kind: 'rate_limit' });
    });

    it('turns a rejected rate_limit_event into retry-after on the 429', () => {
      const lines = fixtureLines('error-429');
      const rejected = JSON.stringify({
        type: 'rate_limit_event',
        rate_limit_info: { status: 'rejected', resetsAt: CONTEXT.nowSeconds + 90, rateLimitType: 'five_hour' },
      });
      const { error } = convertFailing([rejected, ...lines]);
      expect(error).toMatchObject({ status: 429, kind: 'rate_limit', retryAfterSeconds: 90 });
      expect(convertFailing(lines).error.retryAfterSeconds).toBeUndefined();
    });

    it('ignores an allowed rate_limit_event', () => {
      const allowed = JSON.stringify({ type: 'rate_limit_event', rate_limit_info: { status: 'allowed', resetsAt: CONTEXT.nowSeconds + 90 } });
      expect(convertFailing([allowed, ...fixtureLines('error-429')]).error.retryAfterSeconds).toBeUndefined();
    });
  });

  describe('stepCliEvents on a non-streamed retry (connection dropped mid-stream)', () => {
    it('replays the retried message when no content was relayed yet', () => {
      const lines = fixtureLines('dropped-before-content');
      const relayed = relayedEvents(lines);
      expect(relayed.map((event) => (event as { type: string }).type)).toEqual(['message_start']);
      const { events } = convert(lines);
      // 2.1.332 closes the dropped stream with its own message_stop: held back, the retried message follows.
      expect(events).toEqual([
        relayed[0],
        { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
        { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Recovered answer.' } },
        { type: 'content_block_stop', index: 0 },
        // The retried message's own usage: the CLI's result.usage is all zeros after the non-streamed fallback.
        { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 5 } },
        { type: 'message_stop' },
      ]);
    });

    it('builds message_start from the assistant line when nothing was streamed', () => {
      const lines = fixtureLines('dropped-before-content').filter((line) => !isLineOfType(line, 'stream_event'));
      const { events } = convert(lines);
      expect(events[0]).toEqual({
        type: 'message_start',
        message: expect.objectContaining({
          id: 'msg_fake0002',
          type: 'message',
          role: 'assistant',
          model: 'claude-sonnet-4-6',
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage: expect.objectContaining({ input_tokens: 12, output_tokens: 0 }),
        }),
      });
      expect(events.slice(1).map((event) => event.type)).toEqual([
        'content_block_start',
        'content_block_delta',
        'content_block_stop',
        'message_delta',
        'message_stop',
      ]);
    });

    it('replays thinking and tool_use blocks of a non-streamed message, continuing the block index', () => {
      const state = createCliEventState();
      const assistant = (block: unknown): string =>
        JSON.stringify({
          type: 'assistant',
          message: { id: 'msg_nonstreamed', model: 'claude-sonnet-4-6', content: [block], usage: { input_tokens: 3, output_tokens: 9 } },
          parent_tool_use_id: null,
        });
      const events = [
        ...stepCliEvents(state, parseCliLine(assistant({ type: 'thinking', thinking: 'hmm', signature: 'sig' })), CONTEXT),
        ...stepCliEvents(state, parseCliLine(assistant({ type: 'tool_use', id: 'toolu_1', name: 'lookup', input: { q: 'x' } })), CONTEXT),
      ];
      expect(events.slice(1)).toEqual([
        { type: 'content_block_start', index: 0, content_block: { type: 'thinking', thinking: '', signature: '' } },
        { type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: 'hmm' } },
        { type: 'content_block_delta', index: 0, delta: { type: 'signature_delta', signature: 'sig' } },
        { type: 'content_block_stop', index: 0 },
        { type: 'content_block_start', index: 1, content_block: { type: 'tool_use', id: 'toolu_1', name: 'lookup', input: {} } },
        { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '{"q":"x"}' } },
        { type: 'content_block_stop', index: 1 },
      ]);
    });

    it('fails with a 502 when the retried message comes after content was relayed', () => {
      const lines = fixtureLines('dropped-after-content');
      const { events, error } = convertFailing(lines);
      // What reached the client before the drop: it cannot be retracted.
      expect(events).toEqual(relayedEvents(lines));
      // 2.1.332 also closes the cut block itself (content_block_stop) before its own message_stop.
      expect(events.map((event) => event.type).filter((type) => type !== 'content_block_stop')).toEqual([
        'message_start',
        'content_block_start',
        'content_block_delta',
      ]);
      expect(error).toMatchObject({ kind: 'api_error', status: 502 });
      expect(error.message).toContain('retry the request');
    });

    it('fails with a 502 when a new message_start comes after content was relayed', () => {
      const lines = fixtureLines('text');
      const messageStart = lines.find((line) => line.includes('"type":"message_start"'))!;
      const firstDelta = lines.findIndex((line) => line.includes('"type":"content_block_delta"'));
      const { error } = convertFailing([...lines.slice(0, firstDelta + 1), messageStart.replace('msg_fake0001', 'msg_retry')]);
      expect(error).toMatchObject({ kind: 'api_error', status: 502 });
    });
  });

  describe('stepCliEvents on a result without a message', () => {
    it('throws an api_error instead of answering with an empty message', () => {
      const lines = fixtureLines('text').filter((line) => !isLineOfType(line, 'stream_event') && !isLineOfType(line, 'assistant'));
      const { events, error } = convertFailing(lines);
      expect(events).toEqual([]);
      expect(error).toMatchObject({ kind: 'api_error', status: 500, message: 'the Claude Code CLI finished the turn without a reply' });
    });

    it('closes a message the stream left open with the result stop reason and usage', () => {
      const lines = fixtureLines('text');
      const open = lines.filter((line) => !line.includes('"type":"message_delta"') && !line.includes('"type":"message_stop"'));
      const { events } = convert(open);
      expect(events.slice(-2)).toEqual([
        { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 5 } },
        { type: 'message_stop' },
      ]);
    });
  });
});
