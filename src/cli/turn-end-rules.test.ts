import { describe, expect, it } from 'vitest';
import { plainTurnRequest } from '../core/turn-request.ts';
import { parseCliLine } from './cli-lines.ts';
import { asksAgainAfter, continuesConversation, rewindAnswered } from './turn-end-rules.ts';

const tool = { name: 'f', description: undefined, inputSchema: { type: 'object' } };

describe('asksAgainAfter', () => {
  it('is true for a process with tools (no one-call limit) whose message stopped for anything but a call or a finished answer', () => {
    const withTools = plainTurnRequest('sonnet', { tools: [tool] });
    expect(asksAgainAfter(withTools, 'max_tokens')).toBe(true);
    expect(asksAgainAfter(withTools, 'stop_sequence')).toBe(true);
    expect(asksAgainAfter(withTools, 'tool_use')).toBe(false);
    expect(asksAgainAfter(withTools, 'end_turn')).toBe(false);
    expect(asksAgainAfter(withTools, undefined)).toBe(false);
  });

  it('is false where --max-turns 1 keeps the CLI to one call (no tools, or structured output)', () => {
    expect(asksAgainAfter(plainTurnRequest('sonnet'), 'max_tokens')).toBe(false);
    expect(asksAgainAfter(plainTurnRequest('sonnet', { tools: [tool], outputSchema: { type: 'object' } }), 'max_tokens')).toBe(false);
  });
});

describe('continuesConversation', () => {
  it('names the kinds whose process already holds the conversation', () => {
    expect((['kept', 'held', 'rewound', 'warm', 'warm-late-settings', 'cold'] as const).filter(continuesConversation)).toEqual(['kept', 'held', 'rewound']);
  });
});

describe('rewindAnswered', () => {
  const response = (answer: object, requestId = 'rewind') =>
    parseCliLine(JSON.stringify({ type: 'control_response', response: { subtype: 'success', request_id: requestId, response: answer } }));

  it('acknowledges a rewound answer to the rewind request only', () => {
    expect(rewindAnswered(response({ rewound: true, prefillText: 'q' }))).toBe(true);
    expect(rewindAnswered(response({ rewound: true }, 'init'))).toBe(false);
    expect(rewindAnswered(parseCliLine(JSON.stringify({ type: 'result', subtype: 'success', is_error: false })))).toBe(false);
  });

  it('fails the turn when the CLI refused to rewind', () => {
    expect(() => rewindAnswered(response({ rewound: false, error: 'stale target' }))).toThrow(/could not rewind.*stale target/);
  });
});
