import type { MessageParam } from '@anthropic-ai/sdk/resources/messages';
import { describe, expect, it } from 'vitest';
import { ProxyError } from '../errors.ts';
import { buildTranscript, planConversation, transcriptDirectoryName, type TranscriptContext } from './build-transcript.ts';

function context(): TranscriptContext {
  let counter = 0;
  return {
    sessionId: 'session-1',
    cwd: '/tmp/claude-cli-proxy-1000/work',
    cliVersion: '2.1.197',
    timestamp: '2026-11-21T10:00:00.000Z',
    newUuid: () => `uuid-${++counter}`,
  };
}

function planError(messages: readonly MessageParam[]): ProxyError {
  try {
    planConversation(messages);
  } catch (error) {
    if (error instanceof ProxyError) return error;
    throw error;
  }
  throw new Error('expected a ProxyError');
}

describe('planConversation', () => {
  it('rejects an empty conversation with a 400 on messages', () => {
    expect(planError([])).toMatchObject({ kind: 'invalid_request', status: 400, param: 'messages', message: 'messages: at least one message is required' });
  });

  it('rejects a conversation ending with an assistant message', () => {
    const error = planError([
      { role: 'user', content: 'hi' },
      { role: 'assistant', content: 'prefill' },
    ]);
    expect(error).toMatchObject({ kind: 'invalid_request', status: 400, param: 'messages' });
    expect(error.message).toContain('the last message must have role "user"');
  });

  it('sends the last user message as the prompt and the rest as history', () => {
    const messages: MessageParam[] = [
      { role: 'user', content: 'q1' },
      { role: 'assistant', content: 'a1' },
      { role: 'user', content: 'q2' },
    ];
    expect(planConversation(messages)).toEqual({ history: messages.slice(0, 2), prompt: messages[2] });
    expect(planConversation([messages[0]!])).toEqual({ history: [], prompt: messages[0] });
  });
});

describe('buildTranscript', () => {
  it('writes one entry per message, each the child of the one before', () => {
    const text = buildTranscript(
      [
        { role: 'user', content: 'q1' },
        { role: 'assistant', content: [{ type: 'text', text: 'a1' }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'done' }] },
      ],
      context(),
    );
    expect(text.endsWith('\n')).toBe(true);
    const entries = text.trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(entries.map((entry) => [entry.parentUuid, entry.uuid, entry.type])).toEqual([
      [null, 'uuid-1', 'user'],
      ['uuid-1', 'uuid-2', 'assistant'],
      ['uuid-2', 'uuid-3', 'user'],
    ]);
    expect(entries[0]).toEqual({
      parentUuid: null,
      isSidechain: false,
      type: 'user',
      uuid: 'uuid-1',
      timestamp: '2026-11-21T10:00:00.000Z',
      userType: 'external',
      cwd: '/tmp/claude-cli-proxy-1000/work',
      sessionId: 'session-1',
      version: '2.1.197',
      message: { role: 'user', content: [{ type: 'text', text: 'q1' }] },
    });
    expect(entries[2]!.message).toEqual({ role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'done' }] });
  });

  it('wraps assistant content in a complete message, blocks kept verbatim', () => {
    const content = [
      { type: 'thinking' as const, thinking: 'hmm', signature: 'sig' },
      { type: 'tool_use' as const, id: 'toolu_1', name: 'lookup', input: { q: 'x' } },
    ];
    const [entry] = buildTranscript([{ role: 'assistant', content }], context())
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as { message: unknown });
    expect(entry!.message).toEqual({
      id: 'msg_uuid-1',
      type: 'message',
      role: 'assistant',
      model: 'claude-cli-proxy-history',
      content,
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage: { input_tokens: 0, output_tokens: 0 },
    });
  });

  it('normalises string content to a text block, keeping an empty string', () => {
    const [entry] = buildTranscript([{ role: 'assistant', content: '' }], context())
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as { message: { content: unknown } });
    expect(entry!.message.content).toEqual([{ type: 'text', text: '' }]);
  });
});

describe('transcriptDirectoryName', () => {
  it.each([
    ['/tmp/claude-cli-proxy-1000/work', '-tmp-claude-cli-proxy-1000-work'],
    ['/Users/me/My Project_v2.0', '-Users-me-My-Project-v2-0'],
    ['C:\\work\\dir', 'C--work-dir'],
  ])('%s → %s', (cwd, expected) => {
    expect(transcriptDirectoryName(cwd)).toBe(expected);
  });
});
