import { describe, expect, it } from 'vitest';
import { proxyErrorOf } from '../../test/support/proxy-error-of.ts';
import type { ProxyError } from '../errors.ts';
import { normalizeConversation } from './normalize-conversation.ts';
import type { ConversationMessage } from './turn-request.ts';

function failure(messages: ConversationMessage[]): ProxyError {
  return proxyErrorOf(() => normalizeConversation(messages));
}

describe('normalizeConversation', () => {
  it('keeps an alternating conversation as it is', () => {
    const messages: ConversationMessage[] = [
      { role: 'user', content: 'q' },
      { role: 'assistant', content: [{ type: 'text', text: 'a' }] },
      { role: 'user', content: 'q2' },
    ];
    expect(normalizeConversation(messages)).toEqual(messages);
  });

  it('merges consecutive same-role messages into one turn, blocks in order', () => {
    expect(
      normalizeConversation([
        { role: 'user', content: 'a' },
        { role: 'user', content: [{ type: 'text', text: 'b' }] },
        { role: 'assistant', content: 'c1' },
        { role: 'assistant', content: 'c2' },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't', content: 'r' }] },
        { role: 'user', content: 'd' },
      ]),
    ).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'a' },
          { type: 'text', text: 'b' },
        ],
      },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'c1' },
          { type: 'text', text: 'c2' },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 't', content: 'r' },
          { type: 'text', text: 'd' },
        ],
      },
    ]);
  });

  it('merges a long run of same-role messages in linear time: no slower than a small multiple of parsing them', () => {
    // 20,000 consecutive assistant messages took 10 s when each merge copied the blocks so far (issue 11).
    const body = JSON.stringify([
      { role: 'user', content: 'q' },
      ...Array.from({ length: 20_000 }, (_, index) => ({ role: 'assistant', content: `a${index}` })),
      { role: 'user', content: 'q2' },
    ]);
    const parseStarted = performance.now();
    const messages = JSON.parse(body) as ConversationMessage[];
    const parseMs = performance.now() - parseStarted;
    const started = performance.now();
    const merged = normalizeConversation(messages);
    const normalizeMs = performance.now() - started;
    expect(merged).toHaveLength(3);
    expect(merged[1]!.content).toHaveLength(20_000);
    expect(normalizeMs).toBeLessThan(20 * parseMs + 20);
  });

  it('does not change the messages it was given', () => {
    const messages: ConversationMessage[] = [
      { role: 'user', content: 'a' },
      { role: 'user', content: 'b' },
    ];
    normalizeConversation(messages);
    expect(messages).toEqual([
      { role: 'user', content: 'a' },
      { role: 'user', content: 'b' },
    ]);
  });

  it('rejects an empty conversation', () => {
    expect(failure([])).toMatchObject({ status: 400, param: 'messages' });
  });

  it.each([[''], [[]]] as const)('rejects a message with empty content %j, naming it', (content) => {
    const error = failure([
      { role: 'user', content: 'a' },
      { role: 'assistant', content: content as never },
      { role: 'user', content: 'b' },
    ]);
    expect(error).toMatchObject({ status: 400, param: 'messages.1.content' });
    expect(error.message).toContain('non-empty content');
  });

  it('rejects a conversation ending with an assistant message (prefill), saying why', () => {
    const error = failure([
      { role: 'user', content: 'a' },
      { role: 'assistant', content: 'Sure,' },
    ]);
    expect(error).toMatchObject({ status: 400, param: 'messages' });
    expect(error.message).toContain('end with a user message');
  });
});
