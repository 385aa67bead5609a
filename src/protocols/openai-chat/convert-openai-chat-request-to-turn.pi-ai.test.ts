/**
 * The request shapes of pi-ai (`@mariozechner/pi-ai` 0.73.1, its openai-completions provider), the library OpenClaw
 * talks to OpenAI-compatible providers through, each through the wire schema and the translator. The bodies are what
 * pi-ai's `buildParams`/`convertMessages` write (captured with its `onPayload` hook), plus the OpenClaw variants
 * (`input_text` parts, assistant text parts). test/e2e/openclaw.e2e.test.ts runs the library itself.
 */
import { describe, expect, it } from 'vitest';
import { normalizeConversation } from '../../core/normalize-conversation.ts';
import { convertOpenAIChatRequestToTurn, type ConvertedChatRequest } from './convert-openai-chat-request-to-turn.ts';
import { chatCompletionRequestSchema } from './openai-chat-wire.ts';

const PNG_DATA = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk';
const execSchema = { type: 'object', properties: { command: { type: 'string' } }, required: ['command'] };
/** pi-ai's tool definition: `strict: false` unless the provider is known to reject it. */
const execTool = { type: 'function', function: { name: 'exec', description: 'Run a shell command', parameters: execSchema, strict: false } };
const execCall = { id: 'toolu_01', type: 'function', function: { name: 'exec', arguments: '{"command":"ls"}' } };

/** The fields pi-ai sends on every request to a provider it does not special-case. */
const PI_AI_FIELDS = { model: 'sonnet', stream: true, stream_options: { include_usage: true }, store: false };

function convert(body: Record<string, unknown>): ConvertedChatRequest {
  return convertOpenAIChatRequestToTurn(chatCompletionRequestSchema.parse({ ...PI_AI_FIELDS, ...body }));
}

describe('pi-ai request shapes through the Chat Completions translator', () => {
  it('streams with the usage chunk, and store: false is neither applied nor reported', () => {
    const converted = convert({ messages: [{ role: 'user', content: 'hi' }] });
    expect(converted.stream).toBe(true);
    expect(converted.includeUsage).toBe(true);
    expect(converted.ignored).toEqual([]);
  });

  it('takes max_completion_tokens as max_tokens', () => {
    expect(convert({ messages: [{ role: 'user', content: 'hi' }], max_completion_tokens: 1000 }).turn.maxTokens).toBe(1000);
  });

  it('makes the system prompt of a reasoning model (a developer message) the system prompt, and reasoning_effort adaptive thinking at that effort', () => {
    const { turn } = convert({
      messages: [
        { role: 'developer', content: 'You are OpenClaw.' },
        { role: 'user', content: 'hi' },
      ],
      reasoning_effort: 'high',
    });
    expect(turn.system).toEqual(['You are OpenClaw.']);
    expect(turn.messages).toEqual([{ role: 'user', content: 'hi' }]);
    expect(turn.thinking).toEqual({ type: 'adaptive' });
    expect(turn.effort).toBe('high');
  });

  it.each([
    ['minimal', 'low'],
    ['low', 'low'],
    ['medium', 'medium'],
    ['xhigh', 'xhigh'],
  ] as const)('maps every pi-ai thinking level: reasoning_effort %s is effort %s', (level, effort) => {
    expect(convert({ messages: [{ role: 'user', content: 'hi' }], reasoning_effort: level }).turn.effort).toBe(effort);
  });

  it('reads input_text parts in system, developer and user messages as text', () => {
    const { turn } = convert({
      messages: [
        { role: 'system', content: [{ type: 'input_text', text: 'Rule one.' }] },
        { role: 'developer', content: [{ type: 'input_text', text: 'Rule two.' }] },
        {
          role: 'user',
          content: [
            { type: 'input_text', text: 'Look:' },
            { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG_DATA}` } },
          ],
        },
      ],
    });
    expect(turn.system).toEqual(['Rule one.', 'Rule two.']);
    expect(turn.messages).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Look:' },
          { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG_DATA } },
        ],
      },
    ]);
  });

  it('turns the function tools (with strict: false) into client tools with their schema unchanged', () => {
    expect(convert({ messages: [{ role: 'user', content: 'hi' }], tools: [execTool] }).turn.tools).toEqual([
      { name: 'exec', description: 'Run a shell command', inputSchema: execSchema },
    ]);
  });

  it.each([
    ['a string', 'Let me look.'],
    ['text parts', [{ type: 'text', text: 'Let me look.' }]],
    ['output_text parts', [{ type: 'output_text', text: 'Let me look.' }]],
  ])('replays assistant content given as %s beside tool_calls as a text block before the tool_use', (_shape, content) => {
    const { turn } = convert({
      messages: [
        { role: 'user', content: 'list files' },
        { role: 'assistant', content, tool_calls: [execCall] },
        { role: 'tool', content: 'a.txt', tool_call_id: 'toolu_01' },
      ],
      tools: [execTool],
    });
    expect(turn.messages[1]).toEqual({
      role: 'assistant',
      content: [
        { type: 'text', text: 'Let me look.' },
        { type: 'tool_use', id: 'toolu_01', name: 'exec', input: { command: 'ls' } },
      ],
    });
  });

  it.each([
    ['null', null],
    ['an empty string (compat.requiresAssistantAfterToolResult)', ''],
  ])('replays an assistant message whose content is %s beside tool_calls as the tool_use alone', (_shape, content) => {
    const { turn } = convert({
      messages: [
        { role: 'user', content: 'list files' },
        { role: 'assistant', content, tool_calls: [execCall] },
        { role: 'tool', content: 'a.txt', tool_call_id: 'toolu_01' },
      ],
      tools: [execTool],
    });
    expect(turn.messages[1]).toEqual({ role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_01', name: 'exec', input: { command: 'ls' } }] });
  });

  it('drops the reasoning_content pi-ai sends back on an assistant message (it has no signature to replay)', () => {
    const { turn, ignored } = convert({
      messages: [
        { role: 'user', content: 'list files' },
        { role: 'assistant', content: 'Let me look.', reasoning_content: 'The user wants ls.', tool_calls: [execCall] },
        { role: 'tool', content: 'a.txt', tool_call_id: 'toolu_01' },
      ],
      tools: [execTool],
    });
    expect(turn.messages[1]!.content).toEqual([
      { type: 'text', text: 'Let me look.' },
      { type: 'tool_use', id: 'toolu_01', name: 'exec', input: { command: 'ls' } },
    ]);
    expect(ignored).toEqual([]);
  });

  it('makes role "tool" results tool_result blocks, the results of parallel calls one user turn', () => {
    const { turn } = convert({
      messages: [
        { role: 'user', content: 'two commands' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [execCall, { ...execCall, id: 'toolu_02', function: { name: 'exec', arguments: '{"command":"pwd"}' } }],
        },
        { role: 'tool', content: 'a.txt', tool_call_id: 'toolu_01' },
        { role: 'tool', content: '/home', tool_call_id: 'toolu_02' },
      ],
      tools: [execTool],
    });
    expect(normalizeConversation(turn.messages)[2]).toEqual({
      role: 'user',
      content: [
        { type: 'tool_result', tool_use_id: 'toolu_01', content: 'a.txt' },
        { type: 'tool_result', tool_use_id: 'toolu_02', content: '/home' },
      ],
    });
  });

  it('puts the image a tool returned (sent in a following user message) in the same user turn, after the tool_result', () => {
    const { turn } = convert({
      messages: [
        { role: 'user', content: 'screenshot' },
        { role: 'assistant', content: null, tool_calls: [{ id: 'toolu_01', type: 'function', function: { name: 'browser', arguments: '{}' } }] },
        { role: 'tool', content: '(see attached image)', tool_call_id: 'toolu_01' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Attached image(s) from tool result:' },
            { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG_DATA}` } },
          ],
        },
      ],
      tools: [{ type: 'function', function: { name: 'browser', description: 'Browse', parameters: { type: 'object', properties: {} }, strict: false } }],
    });
    expect(normalizeConversation(turn.messages)).toEqual([
      { role: 'user', content: 'screenshot' },
      { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_01', name: 'browser', input: {} }] },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'toolu_01', content: '(see attached image)' },
          { type: 'text', text: 'Attached image(s) from tool result:' },
          { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG_DATA } },
        ],
      },
    ]);
  });

  it('replays the tool history exactly when tools is [] (pi-ai sends that once no tool is offered but the history has calls)', () => {
    const { turn, ignored } = convert({
      messages: [
        { role: 'developer', content: 'Summarise.' },
        { role: 'user', content: 'list files' },
        { role: 'assistant', content: 'Let me look.', tool_calls: [execCall] },
        { role: 'tool', content: 'a.txt', tool_call_id: 'toolu_01' },
        { role: 'user', content: 'Now summarise.' },
      ],
      tools: [],
    });
    expect(turn.tools).toEqual([]);
    expect(ignored).toEqual([]);
    expect(normalizeConversation(turn.messages)).toEqual([
      { role: 'user', content: 'list files' },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Let me look.' },
          { type: 'tool_use', id: 'toolu_01', name: 'exec', input: { command: 'ls' } },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'toolu_01', content: 'a.txt' },
          { type: 'text', text: 'Now summarise.' },
        ],
      },
    ]);
  });
});
