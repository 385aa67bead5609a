/**
 * @module
 * Anthropic raw stream events for the protocol translators' unit tests: from the recorded CLI fixtures (through the
 * real CLI-line converter) or built by hand.
 */
import type { RawMessageStreamEvent } from '@anthropic-ai/sdk/resources/messages';
import { parseCliLine } from '../../src/cli/cli-lines.ts';
import { fixtureLines } from './cli-fixtures.ts';
import { createCliEventState, stepCliEvents } from '../../src/cli/convert-cli-lines-to-anthropic-events.ts';

/** The Anthropic events of the first message of a recorded CLI turn, through the real CLI-line converter. */
export function fixtureEvents(scenario: string): RawMessageStreamEvent[] {
  const lines = fixtureLines(scenario);
  const state = createCliEventState();
  const events: RawMessageStreamEvent[] = [];
  for (const line of lines) {
    for (const event of stepCliEvents(state, parseCliLine(line), { nowSeconds: 1_000 })) {
      events.push(event);
      if (event.type === 'message_stop') return events;
    }
  }
  throw new Error(`fixture ${scenario} has no message_stop`);
}

export function ev(event: Record<string, unknown>): RawMessageStreamEvent {
  return event as unknown as RawMessageStreamEvent;
}

export function messageStart(usage: Record<string, unknown> = { input_tokens: 10, output_tokens: 1 }, model = 'claude-opus-4-8'): RawMessageStreamEvent {
  return ev({
    type: 'message_start',
    message: { id: 'msg_hand01', type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null, usage },
  });
}

export function textBlock(index: number, ...texts: string[]): RawMessageStreamEvent[] {
  return [
    ev({ type: 'content_block_start', index, content_block: { type: 'text', text: '' } }),
    ...texts.map((text) => ev({ type: 'content_block_delta', index, delta: { type: 'text_delta', text } })),
    ev({ type: 'content_block_stop', index }),
  ];
}

export function thinkingBlock(index: number, ...thinking: string[]): RawMessageStreamEvent[] {
  return [
    ev({ type: 'content_block_start', index, content_block: { type: 'thinking', thinking: '', signature: '' } }),
    ...thinking.map((text) => ev({ type: 'content_block_delta', index, delta: { type: 'thinking_delta', thinking: text } })),
    ev({ type: 'content_block_delta', index, delta: { type: 'signature_delta', signature: 'c2ln' } }),
    ev({ type: 'content_block_stop', index }),
  ];
}

export function toolBlock(index: number, id: string, name: string, ...fragments: string[]): RawMessageStreamEvent[] {
  return [
    ev({ type: 'content_block_start', index, content_block: { type: 'tool_use', id, name, input: {} } }),
    ...fragments.map((partial_json) => ev({ type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json } })),
    ev({ type: 'content_block_stop', index }),
  ];
}

export function messageEnd(stopReason: string | null, usage: Record<string, unknown> = { output_tokens: 7 }): RawMessageStreamEvent[] {
  return [ev({ type: 'message_delta', delta: { stop_reason: stopReason, stop_sequence: null }, usage }), ev({ type: 'message_stop' })];
}
