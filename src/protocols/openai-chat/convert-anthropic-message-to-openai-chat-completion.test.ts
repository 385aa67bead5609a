import type { Message } from '@anthropic-ai/sdk/resources/messages';
import { describe, expect, it } from 'vitest';
import { convertAnthropicMessageToOpenAIChatCompletion } from './convert-anthropic-message-to-openai-chat-completion.ts';

const OPTIONS = { id: 'chatcmpl-test0001', created: 1_700_000_000 };

function message(content: unknown[], stopReason: string | null = 'end_turn', usage: Record<string, unknown> = { input_tokens: 10, output_tokens: 5 }): Message {
  return {
    id: 'msg_01',
    type: 'message',
    role: 'assistant',
    model: 'claude-sonnet-4-6',
    content,
    stop_reason: stopReason,
    stop_sequence: null,
    usage,
  } as unknown as Message;
}

function choiceOf(content: unknown[], stopReason?: string | null, usage?: Record<string, unknown>) {
  const completion = convertAnthropicMessageToOpenAIChatCompletion(message(content, stopReason, usage), OPTIONS);
  expect(completion.choices).toHaveLength(1);
  return completion.choices[0]!;
}

describe('convertAnthropicMessageToOpenAIChatCompletion', () => {
  it('gives the golden completion for a text reply', () => {
    expect(convertAnthropicMessageToOpenAIChatCompletion(message([{ type: 'text', text: 'Hello.' }]), OPTIONS)).toEqual({
      id: 'chatcmpl-test0001',
      object: 'chat.completion',
      created: 1_700_000_000,
      model: 'claude-sonnet-4-6',
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: 'Hello.', refusal: null, annotations: [] },
          logprobs: null,
          finish_reason: 'stop',
        },
      ],
      usage: {
        prompt_tokens: 10,
        completion_tokens: 5,
        total_tokens: 15,
        prompt_tokens_details: { cached_tokens: 0 },
        completion_tokens_details: { reasoning_tokens: 0 },
      },
    });
  });

  it('joins several text blocks without a separator', () => {
    expect(
      choiceOf([
        { type: 'text', text: 'One ' },
        { type: 'text', text: 'two.' },
      ]).message.content,
    ).toBe('One two.');
  });

  it('gives empty string content (not null) for a reply with no blocks', () => {
    const choice = choiceOf([]);
    expect(choice.message.content).toBe('');
    expect(choice.message).not.toHaveProperty('tool_calls');
  });

  it('gives tool_calls with arguments as a JSON string and content null when there is no text', () => {
    const choice = choiceOf(
      [
        { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Paris', days: [1, 2] } },
        { type: 'tool_use', id: 'toolu_2', name: 'get_time', input: {} },
      ],
      'tool_use',
    );
    expect(choice.message.content).toBeNull();
    expect(choice.message.tool_calls).toEqual([
      { id: 'toolu_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris","days":[1,2]}' } },
      { id: 'toolu_2', type: 'function', function: { name: 'get_time', arguments: '{}' } },
    ]);
    const call = choice.message.tool_calls![0]!;
    expect(call.type === 'function' && typeof call.function.arguments).toBe('string');
    expect(choice.finish_reason).toBe('tool_calls');
  });

  it('keeps the text beside tool calls', () => {
    const choice = choiceOf(
      [
        { type: 'text', text: 'Let me check.' },
        { type: 'tool_use', id: 'toolu_1', name: 'w', input: { a: 1 } },
      ],
      'tool_use',
    );
    expect(choice.message.content).toBe('Let me check.');
    expect(choice.message.tool_calls).toHaveLength(1);
  });

  it('puts thinking in reasoning_content, joined, and leaves it out of content', () => {
    const choice = choiceOf([
      { type: 'thinking', thinking: 'First, ', signature: 'sig' },
      { type: 'redacted_thinking', data: 'xxx' },
      { type: 'thinking', thinking: 'then.', signature: 'sig' },
      { type: 'text', text: 'Four.' },
    ]);
    expect(choice.message.content).toBe('Four.');
    expect((choice.message as any).reasoning_content).toBe('First, then.');
  });

  it('has no reasoning_content key without thinking', () => {
    expect(choiceOf([{ type: 'text', text: 'x' }]).message).not.toHaveProperty('reasoning_content');
  });

  it.each([
    ['end_turn', 'stop'],
    ['stop_sequence', 'stop'],
    ['max_tokens', 'length'],
    ['refusal', 'content_filter'],
    [null, 'stop'],
  ])('maps stop_reason %s to finish_reason %s', (stopReason, finishReason) => {
    expect(choiceOf([{ type: 'text', text: 'x' }], stopReason).finish_reason).toBe(finishReason);
  });

  it('a max_tokens stop with a tool call finishes with length', () => {
    expect(choiceOf([{ type: 'tool_use', id: 'toolu_1', name: 'w', input: {} }], 'max_tokens').finish_reason).toBe('length');
  });

  it('converts usage with cache tokens counted in prompt_tokens', () => {
    const completion = convertAnthropicMessageToOpenAIChatCompletion(
      message([{ type: 'text', text: 'x' }], 'end_turn', { input_tokens: 3, cache_read_input_tokens: 40, cache_creation_input_tokens: 7, output_tokens: 9 }),
      OPTIONS,
    );
    expect(completion.usage).toMatchObject({ prompt_tokens: 50, completion_tokens: 9, total_tokens: 59, prompt_tokens_details: { cached_tokens: 40 } });
  });
});
