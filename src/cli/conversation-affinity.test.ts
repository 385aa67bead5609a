import { afterEach, describe, expect, it } from 'vitest';
import type { ConversationMessage } from '../core/turn-request.ts';
import { ClaudeProcess } from './claude-process.ts';
import { conversationKey, localDay, ParkedConversations, type ConversationSettings } from './conversation-affinity.ts';

// `sleep` stands in for the CLI: this module only keeps, hands out and ends processes.
function sleeper(): ClaudeProcess {
  return new ClaudeProcess({ command: 'sleep', args: ['60'], env: { PATH: process.env.PATH ?? '/usr/bin:/bin' }, cwd: '/' });
}

const settings: ConversationSettings = {
  invocation: { command: 'claude', args: ['--model', 'sonnet'], env: { A: '1' }, cwd: '/w' },
  system: ['Be brief.'],
  tools: [],
  outputSchema: undefined,
};
const held: ConversationMessage[] = [
  { role: 'user', content: 'hi' },
  { role: 'assistant', content: [{ type: 'text', text: 'Hello.' }] },
];
const next: ConversationMessage = { role: 'user', content: 'and then?' };

let conversations: ParkedConversations;
afterEach(async () => conversations.shutdown());

describe('ParkedConversations', () => {
  it('hands the process to the request whose conversation is the held one plus a user message, once', () => {
    conversations = new ParkedConversations(2, 60_000);
    const process = sleeper();
    conversations.park(settings, held, process, localDay());
    expect(conversations.take(settings, [...held, next])).toEqual({ process, held: undefined });
    expect(conversations.take(settings, [...held, next])).toBeUndefined();
    void process.terminate();
  });

  it('hands out nothing when settings, system prompt or history differ', () => {
    conversations = new ParkedConversations(4, 60_000);
    conversations.park(settings, held, sleeper(), localDay());
    expect(conversations.take({ ...settings, system: ['Be long.'] }, [...held, next])).toBeUndefined();
    // The schema goes in `initialize`, not argv: a kept process without it must not serve a structured request.
    expect(conversations.take({ ...settings, outputSchema: { type: 'object' } }, [...held, next])).toBeUndefined();
    expect(conversations.take({ ...settings, invocation: { ...settings.invocation, env: { A: '2' } } }, [...held, next])).toBeUndefined();
    expect(conversations.take(settings, [held[0]!, { role: 'assistant', content: 'Hello!' }, next])).toBeUndefined();
    expect(conversations.take(settings, [...held, { role: 'assistant', content: 'more' }])).toBeUndefined();
    expect(conversations.count).toBe(1);
  });

  it('ends the oldest process when full, and every process on shutdown', async () => {
    conversations = new ParkedConversations(1, 60_000);
    const first = sleeper();
    conversations.park(settings, held, first, localDay());
    conversations.park(
      settings,
      [
        { role: 'user', content: 'other' },
        { role: 'assistant', content: 'x' },
      ],
      sleeper(),
      localDay(),
    );
    expect((await first.exited).signal).toBe('SIGTERM');
    expect(conversations.count).toBe(1);
    await conversations.shutdown();
    expect(conversations.pids()).toEqual([]);
  });

  it('ends instead of handing out a process whose first turn was on another day (the CLI dated that conversation)', async () => {
    let today = '2026-11-22';
    conversations = new ParkedConversations(2, 60_000, () => today);
    const process = sleeper();
    conversations.park(settings, held, process, '2026-11-22');
    today = '2026-11-23';
    expect(conversations.take(settings, [...held, next])).toBeUndefined();
    expect((await process.exited).signal).toBe('SIGTERM');
  });

  it('ends a held process when a request of its conversation does not continue it, and leaves kept ones and other conversations', async () => {
    conversations = new ParkedConversations(4, 60_000);
    const call = { id: 'toolu_1', name: 'mcp__t__f', input: {} };
    const withCall: ConversationMessage[] = [held[0]!, { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'f', input: {} }] }];
    const waiting = sleeper();
    const other = sleeper();
    const kept = sleeper();
    conversations.park(settings, withCall, waiting, localDay(), { calls: [call], prompts: [] });
    conversations.park(settings, [{ role: 'user', content: 'another' }, withCall[1]!], other, localDay(), { calls: [call], prompts: [] });
    conversations.park(settings, held, kept, localDay());
    expect(conversations.heldCount).toBe(2);
    // The same first message with an edited answer: not a continuation, so the waiting process is of no use.
    expect(conversations.take(settings, [held[0]!, { role: 'assistant', content: 'Edited.' }, next])).toBeUndefined();
    expect((await waiting.exited).signal).toBe('SIGTERM');
    expect(conversations.heldCount).toBe(1);
    expect(conversations.pids()).toEqual([other.pid, kept.pid]);
  });

  it('hands a process to a request that drops its last exchange (regenerate, edit), with the uuid to rewind to', () => {
    conversations = new ParkedConversations(2, 60_000);
    const longer: ConversationMessage[] = [...held, next, { role: 'assistant', content: 'Then this.' }];
    const process = sleeper();
    conversations.park(settings, longer, process, localDay(), undefined, 'uuid-of-next');
    // The same last message again, or an edited one: cut back to before it.
    expect(conversations.take(settings, [...held, { role: 'user', content: 'and then, edited?' }])).toEqual({
      process,
      held: undefined,
      rewindTo: 'uuid-of-next',
    });
    expect(conversations.count).toBe(0);
    // Not without the uuid of that message, and not back to the first message (nothing answered before it).
    const other = sleeper();
    conversations.park(settings, longer, other, localDay());
    expect(conversations.take(settings, [...held, next])).toBeUndefined();
    conversations.park(settings, held, sleeper(), localDay(), undefined, 'uuid-of-hi');
    expect(conversations.take(settings, [{ role: 'user', content: 'hi again' }])).toBeUndefined();
    void process.terminate();
  });

  it('never offers to rewind to tool results: the CLI refuses ("target splits a tool call")', () => {
    conversations = new ParkedConversations(2, 60_000);
    const results: ConversationMessage = { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'done' }] };
    const withResults: ConversationMessage[] = [
      held[0]!,
      { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'f', input: {} }] },
      results,
      { role: 'assistant', content: 'Done.' },
    ];
    const process = sleeper();
    conversations.park(settings, withResults, process, localDay(), undefined, 'uuid-of-results');
    expect(conversations.take(settings, withResults.slice(0, 3))).toBeUndefined();
    expect(conversations.count).toBe(1);
    void process.terminate();
  });

  it('keeps nothing when turned off', async () => {
    conversations = new ParkedConversations(0, 60_000);
    const process = sleeper();
    conversations.park(settings, held, process, localDay());
    expect(conversations.count).toBe(0);
    expect((await process.exited).signal).toBe('SIGTERM');
  });
});

describe('conversationKey', () => {
  it('treats the forms a client sends back for the same content as equal', () => {
    const key = conversationKey(settings, held);
    expect(conversationKey(settings, [held[0]!, { role: 'assistant', content: 'Hello.' }])).toBe(key);
    expect(conversationKey(settings, [held[0]!, { role: 'assistant', content: [{ text: 'Hello.', citations: null, type: 'text' }] }])).toBe(key);
    expect(conversationKey({ ...settings, invocation: { ...settings.invocation, env: { A: '1', B: '2' } } }, held)).not.toBe(key);
    // Claude Code moves its cache_control markers to the newest message each turn; the CLI places its own anyway.
    expect(conversationKey(settings, [{ role: 'user', content: [{ type: 'text', text: 'hi', cache_control: { type: 'ephemeral' } }] }, held[1]!])).toBe(key);
    const result = (content: string, marked: boolean): ConversationMessage => ({
      role: 'user',
      content: [
        {
          type: 'tool_result',
          tool_use_id: 't',
          content: [{ type: 'text', text: content, ...(marked ? { cache_control: { type: 'ephemeral' as const } } : {}) }],
        },
      ],
    });
    expect(conversationKey(settings, [result('r', true)])).toBe(conversationKey(settings, [result('r', false)]));
    // Not inside a tool's input: that is the model's data.
    const call = (input: Record<string, unknown>): ConversationMessage => ({ role: 'assistant', content: [{ type: 'tool_use', id: 't', name: 'f', input }] });
    expect(conversationKey(settings, [call({ cache_control: 1 })])).not.toBe(conversationKey(settings, [call({})]));
  });
});
