/**
 * Hardening through the real CLI: the idle watchdog tells a model that thinks in silence from a stalled stream,
 * and a tool call the client never declared is not handed to it, nor answered by a second, hidden model call.
 */
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeMessageReply } from '../support/fake-upstream.ts';
import { busyCliProcesses } from '../support/cli-processes.ts';
import { startTestProxy, type TestProxy } from '../support/start-test-proxy.ts';

let proxy: TestProxy;
let anthropic: Anthropic;
let openai: OpenAI;

beforeAll(async () => {
  // Text may pause 1 s at most; any other phase (reading, thinking, tool input) 8 s.
  proxy = await startTestProxy({ settings: { STREAM_IDLE_TIMEOUT_MS: '1000', STREAM_QUIET_TIMEOUT_MS: '8000' } });
  anthropic = new Anthropic({ baseURL: proxy.url, apiKey: 'unused', maxRetries: 0 });
  openai = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: 'unused', maxRetries: 0 });
});
afterAll(async () => proxy.close());

describe('idle watchdog', () => {
  it('lets a model think in silence longer than STREAM_IDLE_TIMEOUT_MS (the CLI forwards no pings), within STREAM_QUIET_TIMEOUT_MS', async () => {
    // After message_start and the thinking block's start: 2.5 s with only pings, as a real long think.
    proxy.upstream.when('marker-quiet-think', {
      kind: 'message',
      content: [
        { type: 'thinking', thinking: 'long thought', signature: 'sig' },
        { type: 'text', text: 'done thinking' },
      ],
      pause: { afterEvents: 2, ms: 2500, pingEveryMs: 500 },
    });
    const message = await anthropic.messages
      .stream({
        model: 'sonnet',
        max_tokens: 2000,
        thinking: { type: 'enabled', budget_tokens: 1024 },
        messages: [{ role: 'user', content: 'marker-quiet-think' }],
      })
      .finalMessage();
    expect(message.content.map((block) => block.type)).toEqual(['thinking', 'text']);
    expect(message.stop_reason).toBe('end_turn');
  });

  it('still ends a stream that stalls while writing text after STREAM_IDLE_TIMEOUT_MS', async () => {
    proxy.upstream.when('marker-text-stall', {
      kind: 'message',
      content: [{ type: 'text', text: 'cut off', chunks: ['cut', ' off'] }],
      pause: { afterEvents: 3, ms: 6000 },
    });
    const stream = anthropic.messages.stream({ model: 'sonnet', max_tokens: 100, messages: [{ role: 'user', content: 'marker-text-stall' }] });
    const error = await stream.finalMessage().then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(Anthropic.APIError);
    expect(String((error as Error).message)).toContain('STREAM_IDLE_TIMEOUT_MS');
    await expect.poll(() => busyCliProcesses(proxy)).toEqual([]);
  });
});

describe('a tool the client did not declare', () => {
  const bash: FakeMessageReply = {
    kind: 'message',
    content: [
      { type: 'text', text: 'Running it.' },
      { type: 'tool_use', id: 'toolu_bash', name: 'Bash', input: { command: 'echo hi' } },
    ],
  };

  it.each(['messages', 'chat', 'responses'] as const)('is not handed to the client through %s, and no second model call is made', async (api) => {
    const marker = `marker-undeclared-${api}`;
    proxy.upstream.when(marker, bash);
    const before = proxy.upstream.modelRequests().length;
    let text: string;
    let toolCalls: number;
    let finish: string | null | undefined;
    if (api === 'messages') {
      const message = await anthropic.messages.create({ model: 'sonnet', max_tokens: 100, messages: [{ role: 'user', content: marker }] });
      text = message.content.map((block) => (block.type === 'text' ? block.text : '')).join('');
      toolCalls = message.content.filter((block) => block.type === 'tool_use').length;
      finish = message.stop_reason;
    } else if (api === 'chat') {
      const completion = await openai.chat.completions.stream({ model: 'sonnet', messages: [{ role: 'user', content: marker }] }).finalChatCompletion();
      text = completion.choices[0]!.message.content ?? '';
      toolCalls = completion.choices[0]!.message.tool_calls?.length ?? 0;
      finish = completion.choices[0]!.finish_reason;
    } else {
      const response = await openai.responses.create({ model: 'sonnet', input: marker });
      text = response.output_text;
      toolCalls = response.output.filter((item) => item.type === 'function_call').length;
      finish = response.status;
    }
    expect(text).toBe('Running it.');
    expect(toolCalls).toBe(0);
    expect(finish).toBe({ messages: 'end_turn', chat: 'stop', responses: 'completed' }[api]);
    await expect.poll(() => busyCliProcesses(proxy)).toEqual([]);
    // The CLI answers an unknown tool itself ("No such tool available") and asks the model again: not here.
    expect(proxy.upstream.modelRequests().length - before).toBe(1);
  });
});
