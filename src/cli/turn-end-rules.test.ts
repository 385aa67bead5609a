import { describe, expect, it } from 'vitest';
import { plainTurnRequest } from '../core/turn-request.ts';
import { parseCliLine } from './cli-lines.ts';
import { asksAgainAfter, continuesConversation, rewindAnswer, stopReasonOfLine } from './turn-end-rules.ts';

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

describe('rewindAnswer', () => {
  const response = (answer: object, requestId = 'rewind') =>
    parseCliLine(JSON.stringify({ type: 'control_response', response: { subtype: 'success', request_id: requestId, response: answer } }));

  it('reads the answer to the rewind request only', () => {
    expect(rewindAnswer(response({ rewound: true, prefillText: 'q' }))).toBe('rewound');
    expect(rewindAnswer(response({ rewound: true }, 'init'))).toBeUndefined();
    expect(rewindAnswer(parseCliLine(JSON.stringify({ type: 'result', subtype: 'success', is_error: false })))).toBeUndefined();
  });

  it('asks for the step again while the CLI is still closing its previous turn', () => {
    expect(rewindAnswer(response({ rewound: false, error: 'turn running' }))).toBe('busy');
    expect(rewindAnswer(response({ rewound: false, error: 'commands queued' }))).toBe('busy');
    expect(rewindAnswer(response({ rewound: false, error: 'prompt pending' }))).toBe('busy');
  });

  it('fails the turn when the CLI refused to rewind for good', () => {
    expect(() => rewindAnswer(response({ rewound: false, error: 'stale target' }))).toThrow(/could not rewind.*stale target/);
  });
});

describe('stopReasonOfLine', () => {
  const line = (event: object, parent: string | null = null) => JSON.stringify({ type: 'stream_event', event, parent_tool_use_id: parent });

  it("reads the model's stop reason from its message_delta line, and nothing from any other line", () => {
    expect(stopReasonOfLine(line({ type: 'message_delta', delta: { stop_reason: 'max_tokens' }, usage: { output_tokens: 3 } }))).toBe('max_tokens');
    expect(stopReasonOfLine(line({ type: 'message_delta', delta: { stop_reason: 'max_tokens' }, usage: {} }, 'toolu_sub'))).toBeUndefined();
    expect(stopReasonOfLine(line({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: '"message_delta"' } }))).toBeUndefined();
    expect(stopReasonOfLine('{"type":"result","subtype":"success","is_error":false}')).toBeUndefined();
    expect(stopReasonOfLine('not json "message_delta"')).toBeUndefined();
  });
});
