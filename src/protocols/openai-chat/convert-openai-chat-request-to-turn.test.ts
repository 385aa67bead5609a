import { describe, expect, it } from 'vitest';
import { proxyErrorOf } from '../../../test/support/proxy-error-of.ts';
import { normalizeConversation } from '../../core/normalize-conversation.ts';
import type { ProxyError } from '../../errors.ts';
import { convertOpenAIChatRequestToTurn, type ConvertedChatRequest } from './convert-openai-chat-request-to-turn.ts';
import { chatCompletionRequestSchema } from './openai-chat-wire.ts';

const PNG_DATA = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk';
const PDF_DATA = 'JVBERi0xLjQKJcfsj6IKMSAwIG9iago=';

/** Converts a request body as the route does: through the wire schema, then the translator. */
function convert(body: Record<string, unknown>): ConvertedChatRequest {
  return convertOpenAIChatRequestToTurn(chatCompletionRequestSchema.parse({ model: 'sonnet', ...body }));
}

function convertMessages(messages: unknown[], extra: Record<string, unknown> = {}): ConvertedChatRequest {
  return convert({ messages, ...extra });
}

/** The ProxyError a conversion throws (fails the test if it does not throw one). */
function errorOf(body: Record<string, unknown>): ProxyError {
  return proxyErrorOf(() => convert(body));
}

function userWith(content: unknown): Record<string, unknown> {
  return { messages: [{ role: 'user', content }] };
}

describe('convertOpenAIChatRequestToTurn: system and developer messages', () => {
  it('collects system and developer texts, in order, out of the conversation', () => {
    const { turn } = convertMessages([
      { role: 'system', content: 'Be brief.' },
      { role: 'developer', content: [{ type: 'text', text: 'Answer in French.' }] },
      { role: 'user', content: 'Hi' },
      { role: 'system', content: 'Late rule.' },
    ]);
    expect(turn.system).toEqual(['Be brief.', 'Answer in French.', 'Late rule.']);
    expect(turn.messages).toEqual([{ role: 'user', content: 'Hi' }]);
  });

  it('joins the text parts of one system message with newlines and drops empty system messages', () => {
    const { turn } = convertMessages([
      {
        role: 'system',
        content: [
          { type: 'text', text: 'One.' },
          { type: 'text', text: 'Two.' },
        ],
      },
      { role: 'system', content: '' },
      { role: 'user', content: 'Hi' },
    ]);
    expect(turn.system).toEqual(['One.\nTwo.']);
  });

  it('gives an empty system list when there are no system messages', () => {
    expect(convertMessages([{ role: 'user', content: 'Hi' }]).turn.system).toEqual([]);
  });

  it('rejects a non-text part in a system message with a 400 naming the part', () => {
    const error = errorOf({
      messages: [
        { role: 'system', content: [{ type: 'image_url', image_url: { url: 'https://x.test/a.png' } }] },
        { role: 'user', content: 'Hi' },
      ],
    });
    expect(error.status).toBe(400);
    expect(error.param).toBe('messages.0.content.0');
  });
});

describe('convertOpenAIChatRequestToTurn: user content', () => {
  it('keeps string content as a string', () => {
    expect(convert(userWith('Hello')).turn.messages).toEqual([{ role: 'user', content: 'Hello' }]);
  });

  it('converts text and input_text parts to text blocks', () => {
    expect(
      convert(
        userWith([
          { type: 'text', text: 'a' },
          { type: 'input_text', text: 'b' },
        ]),
      ).turn.messages,
    ).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'a' },
          { type: 'text', text: 'b' },
        ],
      },
    ]);
  });

  it('rejects a text part without text with a 400 on its path', () => {
    const error = errorOf(userWith([{ type: 'text' }]));
    expect(error.status).toBe(400);
    expect(error.param).toBe('messages.0.content.0.text');
  });

  it('converts an image data URL to a base64 image block', () => {
    const { turn } = convert(
      userWith([
        { type: 'text', text: 'What is this?' },
        { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG_DATA}`, detail: 'high' } },
      ]),
    );
    expect(turn.messages).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'What is this?' },
          { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG_DATA } },
        ],
      },
    ]);
  });

  it('lower-cases the media type of a data URL', () => {
    const { turn } = convert(userWith([{ type: 'image_url', image_url: { url: `data:IMAGE/JPEG;base64,${PNG_DATA}` } }]));
    expect(turn.messages[0]!.content).toEqual([{ type: 'image', source: { type: 'base64', media_type: 'image/jpeg', data: PNG_DATA } }]);
  });

  it('converts an http(s) image URL to a url image source', () => {
    const { turn } = convert(userWith([{ type: 'image_url', image_url: { url: 'https://example.com/cat.png' } }]));
    expect(turn.messages[0]!.content).toEqual([{ type: 'image', source: { type: 'url', url: 'https://example.com/cat.png' } }]);
  });

  it.each([
    ['an unsupported media type', `data:image/tiff;base64,${PNG_DATA}`],
    ['a non-image media type', `data:text/plain;base64,${PNG_DATA}`],
    ['a non-http URL', 'ftp://example.com/cat.png'],
    ['a data URL without base64', 'data:image/png,raw'],
  ])('rejects %s with a 400 on the url path', (_name, url) => {
    const error = errorOf({
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'x' },
            { type: 'image_url', image_url: { url } },
          ],
        },
      ],
    });
    expect(error.status).toBe(400);
    expect(error.kind).toBe('invalid_request');
    expect(error.param).toBe('messages.0.content.1.image_url.url');
  });

  it('rejects an image_url part without url with a 400', () => {
    const error = errorOf(userWith([{ type: 'image_url' }]));
    expect(error.status).toBe(400);
    expect(error.param).toBe('messages.0.content.0.image_url.url');
  });

  it('converts an inline PDF file part to a document block titled by filename', () => {
    const { turn } = convert(userWith([{ type: 'file', file: { file_data: `data:application/pdf;base64,${PDF_DATA}`, filename: 'report.pdf' } }]));
    expect(turn.messages[0]!.content).toEqual([
      { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: PDF_DATA }, title: 'report.pdf' },
    ]);
  });

  it('converts a PDF file part without filename to an untitled document block', () => {
    const { turn } = convert(userWith([{ type: 'file', file: { file_data: `data:application/pdf;base64,${PDF_DATA}` } }]));
    expect(turn.messages[0]!.content).toEqual([{ type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: PDF_DATA } }]);
  });

  it.each([
    ['a file_id reference', { file_id: 'file-abc' }],
    ['a non-PDF file', { file_data: `data:text/plain;base64,${PDF_DATA}`, filename: 'a.txt' }],
  ])('rejects %s with a 400 on the file path', (_name, file) => {
    const error = errorOf(userWith([{ type: 'file', file }]));
    expect(error.status).toBe(400);
    expect(error.param).toBe('messages.0.content.0.file');
  });

  it('rejects input_audio with a 400 on the part type', () => {
    const error = errorOf(
      userWith([
        { type: 'text', text: 'listen' },
        { type: 'input_audio', input_audio: { data: 'AAAA', format: 'wav' } },
      ]),
    );
    expect(error.status).toBe(400);
    expect(error.kind).toBe('invalid_request');
    expect(error.param).toBe('messages.0.content.1.type');
    expect(error.message).toContain('input_audio');
  });
});

describe('convertOpenAIChatRequestToTurn: assistant, tool and function messages', () => {
  it('converts assistant text and tool_calls to text and tool_use blocks', () => {
    const { turn } = convertMessages([
      { role: 'user', content: 'Weather in Paris and the time?' },
      {
        role: 'assistant',
        content: 'Let me check.',
        tool_calls: [
          { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
          { id: 'call_2', type: 'function', function: { name: 'get_time', arguments: '' } },
        ],
      },
    ]);
    expect(turn.messages[1]).toEqual({
      role: 'assistant',
      content: [
        { type: 'text', text: 'Let me check.' },
        { type: 'tool_use', id: 'call_1', name: 'get_weather', input: { city: 'Paris' } },
        { type: 'tool_use', id: 'call_2', name: 'get_time', input: {} },
      ],
    });
  });

  it('converts an assistant message with content null and only tool calls', () => {
    const { turn } = convertMessages([
      { role: 'user', content: 'Go' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'run', arguments: '{"a":1}' } }] },
    ]);
    expect(turn.messages[1]).toEqual({ role: 'assistant', content: [{ type: 'tool_use', id: 'call_1', name: 'run', input: { a: 1 } }] });
  });

  it('joins assistant text and refusal parts', () => {
    const { turn } = convertMessages([
      { role: 'user', content: 'Q' },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Part one.' },
          { type: 'refusal', refusal: 'No more.' },
        ],
      },
      { role: 'user', content: 'Q2' },
    ]);
    expect(turn.messages[1]).toEqual({ role: 'assistant', content: [{ type: 'text', text: 'Part one.\nNo more.' }] });
  });

  it.each([
    ['invalid JSON', '{"city":'],
    ['a JSON array', '[1,2]'],
    ['a JSON string', '"Paris"'],
  ])('rejects tool call arguments that are %s with a 400 naming the argument path', (_name, args) => {
    const error = errorOf({
      messages: [
        { role: 'user', content: 'Go' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: 'call_ok', type: 'function', function: { name: 'a', arguments: '{}' } },
            { id: 'call_bad', type: 'function', function: { name: 'b', arguments: args } },
          ],
        },
      ],
    });
    expect(error.status).toBe(400);
    expect(error.kind).toBe('invalid_request');
    expect(error.param).toBe('messages.1.tool_calls.1.function.arguments');
  });

  it('turns a tool message into a user tool_result', () => {
    const { turn } = convertMessages([
      { role: 'user', content: 'Weather?' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{}' } }] },
      { role: 'tool', tool_call_id: 'call_1', content: 'Sunny, 21 C' },
    ]);
    expect(turn.messages[2]).toEqual({ role: 'user', content: [{ type: 'tool_result', tool_use_id: 'call_1', content: 'Sunny, 21 C' }] });
  });

  it('joins the text parts of a tool message', () => {
    const { turn } = convertMessages([
      { role: 'user', content: 'Weather?' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'w', arguments: '{}' } }] },
      {
        role: 'tool',
        tool_call_id: 'call_1',
        content: [
          { type: 'text', text: 'Sunny' },
          { type: 'text', text: '21 C' },
        ],
      },
    ]);
    expect(turn.messages[2]).toEqual({ role: 'user', content: [{ type: 'tool_result', tool_use_id: 'call_1', content: 'Sunny\n21 C' }] });
  });

  it('(with the shared normalization) merges consecutive same-role messages: parallel tool results and a following user message become one user turn', () => {
    const { turn } = convertMessages([
      { role: 'user', content: 'Both?' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          { id: 'call_1', type: 'function', function: { name: 'a', arguments: '{}' } },
          { id: 'call_2', type: 'function', function: { name: 'b', arguments: '{}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'call_1', content: 'A' },
      { role: 'tool', tool_call_id: 'call_2', content: 'B' },
      { role: 'user', content: 'Summarise.' },
    ]);
    expect(normalizeConversation(turn.messages)).toHaveLength(3);
    expect(normalizeConversation(turn.messages)[2]).toEqual({
      role: 'user',
      content: [
        { type: 'tool_result', tool_use_id: 'call_1', content: 'A' },
        { type: 'tool_result', tool_use_id: 'call_2', content: 'B' },
        { type: 'text', text: 'Summarise.' },
      ],
    });
  });

  it('(with the shared normalization) merges consecutive user strings and consecutive assistant messages into blocks', () => {
    const { turn } = convertMessages([
      { role: 'user', content: 'One' },
      { role: 'user', content: [{ type: 'text', text: 'Two' }] },
      { role: 'assistant', content: 'A' },
      { role: 'assistant', content: 'B' },
      { role: 'user', content: 'Three' },
    ]);
    expect(normalizeConversation(turn.messages)).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'One' },
          { type: 'text', text: 'Two' },
        ],
      },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'A' },
          { type: 'text', text: 'B' },
        ],
      },
      { role: 'user', content: 'Three' },
    ]);
  });

  it('(with the shared normalization) drops an empty assistant message, so the user turns around it merge', () => {
    const { turn } = convertMessages([
      { role: 'user', content: 'One' },
      { role: 'assistant', content: '' },
      { role: 'assistant', content: null, tool_calls: [] },
      { role: 'user', content: 'Two' },
    ]);
    expect(normalizeConversation(turn.messages)).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'One' },
          { type: 'text', text: 'Two' },
        ],
      },
    ]);
  });

  it('rejects a function-role message with a 400 on its role', () => {
    const error = errorOf({
      messages: [
        { role: 'user', content: 'x' },
        { role: 'function', name: 'f', content: '1' },
      ],
    });
    expect(error.status).toBe(400);
    expect(error.kind).toBe('invalid_request');
    expect(error.param).toBe('messages.1.role');
  });
});

describe('convertOpenAIChatRequestToTurn: request options', () => {
  it('takes stop as one string or a list', () => {
    expect(convertMessages(hi, { stop: 'END' }).turn.stopSequences).toEqual(['END']);
    expect(convertMessages(hi, { stop: ['a', 'b'] }).turn.stopSequences).toEqual(['a', 'b']);
    expect(convertMessages(hi).turn.stopSequences).toEqual([]);
  });

  const hi = [{ role: 'user', content: 'Hi' }];

  it('resolves the model and rejects an unknown one with a 400 on model', () => {
    expect(convertMessages(hi, { model: 'anthropic/claude-sonnet-4-6' }).turn.model).toBe('claude-sonnet-4-6');
    expect(convertMessages(hi, { model: 'sonnet' }).turn.model).toBe('sonnet');
    const error = errorOf({ model: 'gpt-4o', messages: hi });
    expect(error.status).toBe(400);
    expect(error.param).toBe('model');
  });

  it('rejects n > 1 with a 400 on n and accepts n = 1', () => {
    const error = errorOf({ messages: hi, n: 2 });
    expect(error.status).toBe(400);
    expect(error.kind).toBe('invalid_request');
    expect(error.param).toBe('n');
    expect(() => convertMessages(hi, { n: 1 })).not.toThrow();
  });

  it.each([
    [{ max_tokens: 100, max_completion_tokens: 200 }, 200],
    [{ max_tokens: 100 }, 100],
    [{ max_completion_tokens: 300 }, 300],
    [{ max_tokens: 100, max_completion_tokens: null }, 100],
    [{}, undefined],
  ])('max tokens from %j is %s (max_completion_tokens wins)', (fields, expected) => {
    expect(convertMessages(hi, fields).turn.maxTokens).toBe(expected);
  });

  it.each([
    [undefined, { type: 'disabled' }, undefined],
    [null, { type: 'disabled' }, undefined],
    ['none', { type: 'disabled' }, undefined],
    ['minimal', { type: 'adaptive' }, 'low'],
    ['low', { type: 'adaptive' }, 'low'],
    ['medium', { type: 'adaptive' }, 'medium'],
    ['high', { type: 'adaptive' }, 'high'],
    ['xhigh', { type: 'adaptive' }, 'xhigh'],
    ['max', { type: 'adaptive' }, 'max'],
  ])('reasoning_effort %s gives thinking %j and effort %s', (effort, thinking, expected) => {
    const { turn } = convertMessages(hi, effort === undefined ? {} : { reasoning_effort: effort });
    expect(turn.thinking).toEqual(thinking);
    expect(turn.effort).toBe(expected);
  });

  it('lists present, non-false fields it cannot honour in ignored', () => {
    const { ignored } = convertMessages(hi, {
      temperature: 0.2,
      top_p: 0.9,
      seed: 7,
      stop: ['END'],
      tools: [{ type: 'function', function: { name: 'f' } }],
      tool_choice: 'auto',
      parallel_tool_calls: true,
      response_format: { type: 'json_object' },
      user: 'u1',
      metadata: { a: 'b' },
      logprobs: false,
      store: false,
      frequency_penalty: null,
    });
    expect([...ignored].sort()).toEqual(['metadata', 'seed', 'temperature', 'top_p', 'user'].sort());
  });

  it('treats temperature 0 as present (only null, false and empty lists are absent)', () => {
    expect(convertMessages(hi, { temperature: 0, tools: [] }).ignored).toEqual(['temperature']);
  });

  it('turns response_format into the output schema: json_schema as given, json_object as any object, text as none', () => {
    const schema = { type: 'object', properties: { a: { type: 'string' } }, required: ['a'] };
    expect(convertMessages(hi, { response_format: { type: 'json_schema', json_schema: { name: 'x', schema, strict: true } } }).turn.outputSchema).toEqual(
      schema,
    );
    expect(convertMessages(hi, { response_format: { type: 'json_object' } }).turn.outputSchema).toEqual({ type: 'object' });
    expect(convertMessages(hi, { response_format: { type: 'text' } }).turn.outputSchema).toBeUndefined();
    expect(convertMessages(hi).turn.outputSchema).toBeUndefined();
  });

  it('does not list response_format {type: "text"} (the default) or the fields it honours', () => {
    const { ignored } = convertMessages(hi, {
      response_format: { type: 'text' },
      stream: true,
      stream_options: { include_usage: true },
      max_completion_tokens: 10,
      reasoning_effort: 'low',
      n: 1,
    });
    expect(ignored).toEqual([]);
  });

  it('lists nothing for a minimal request', () => {
    expect(convertMessages(hi).ignored).toEqual([]);
  });

  it.each([
    [{}, false, false],
    [{ stream: false, stream_options: { include_usage: true } }, false, true],
    [{ stream: true }, true, false],
    [{ stream: true, stream_options: {} }, true, false],
    [{ stream: true, stream_options: { include_usage: false } }, true, false],
    [{ stream: true, stream_options: { include_usage: true } }, true, true],
    [{ stream: null, stream_options: null }, false, false],
  ])('stream flags from %j: stream %s, includeUsage %s', (fields, stream, includeUsage) => {
    const converted = convertMessages(hi, fields);
    expect(converted.stream).toBe(stream);
    expect(converted.includeUsage).toBe(includeUsage);
  });
});

describe('convertOpenAIChatRequestToTurn: tools', () => {
  const hi = [{ role: 'user', content: 'Hi' }];
  const weatherSchema = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false };
  const tools = [
    { type: 'function', function: { name: 'get_weather', description: 'Current weather', parameters: weatherSchema, strict: true } },
    { type: 'function', function: { name: 'get_time' } },
  ];

  it('turns function tools into client tools with the parameters unchanged', () => {
    const { turn } = convertMessages(hi, { tools });
    expect(turn.tools).toEqual([
      { name: 'get_weather', description: 'Current weather', inputSchema: weatherSchema },
      { name: 'get_time', description: undefined, inputSchema: { type: 'object', properties: {} } },
    ]);
    expect(turn.parallelToolCalls).toBe(true);
  });

  it('gives a function without parameters (or with parameters null) an empty object schema', () => {
    const { turn } = convertMessages(hi, { tools: [{ type: 'function', function: { name: 'f', description: null, parameters: null } }] });
    expect(turn.tools).toEqual([{ name: 'f', description: undefined, inputSchema: { type: 'object', properties: {} } }]);
  });

  it('has no tools when none are given', () => {
    expect(convertMessages(hi).turn.tools).toEqual([]);
    expect(convertMessages(hi, { tools: [] }).turn.tools).toEqual([]);
  });

  it.each([
    ['a custom tool', { type: 'custom', custom: { name: 'free' } }],
    ['a function tool without function', { type: 'function' }],
  ])('rejects %s with a 400 on its type', (_case, bad) => {
    const error = errorOf({ messages: hi, tools: [tools[0], bad] });
    expect(error.status).toBe(400);
    expect(error.kind).toBe('invalid_request');
    expect(error.param).toBe('tools.1.type');
  });

  it('rejects bad function names, duplicates and non-object parameters with a 400 under tools.N.function', () => {
    expect(errorOf({ messages: hi, tools: [{ type: 'function', function: { name: 'get weather' } }] }).param).toBe('tools.0.function.name');
    expect(errorOf({ messages: hi, tools: [tools[1], tools[1]] }).param).toBe('tools.1.function.name');
    expect(errorOf({ messages: hi, tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'string' } } }] }).param).toBe('tools.0.function');
  });

  it('shows every tool for tool_choice auto and for no tool_choice', () => {
    expect(convertMessages(hi, { tools, tool_choice: 'auto' }).turn.tools.map((tool) => tool.name)).toEqual(['get_weather', 'get_time']);
    expect(convertMessages(hi, { tools }).turn.tools.map((tool) => tool.name)).toEqual(['get_weather', 'get_time']);
  });

  it('hides the tools for tool_choice none', () => {
    expect(convertMessages(hi, { tools, tool_choice: 'none' }).turn.tools).toEqual([]);
  });

  it('keeps the tools for tool_choice none when the conversation already has tool calls, and lists tool_choice as ignored', () => {
    const { turn, ignored } = convertMessages(
      [
        { role: 'user', content: 'Weather?' },
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } }] },
        { role: 'tool', tool_call_id: 'call_1', content: 'Sunny' },
      ],
      { tools, tool_choice: 'none' },
    );
    expect(turn.tools).toHaveLength(2);
    expect(ignored).toContain('tool_choice');
  });

  it('keeps every tool for tool_choice required and lists tool_choice as ignored (a call cannot be forced)', () => {
    const { turn, ignored } = convertMessages(hi, { tools, tool_choice: 'required' });
    expect(turn.tools).toHaveLength(2);
    expect(ignored).toContain('tool_choice');
  });

  it('shows only the named function and lists tool_choice as ignored', () => {
    const { turn, ignored } = convertMessages(hi, { tools, tool_choice: { type: 'function', function: { name: 'get_time' } } });
    expect(turn.tools.map((tool) => tool.name)).toEqual(['get_time']);
    expect(ignored).toContain('tool_choice');
  });

  it('rejects a named function that is not in tools with a 400 on tool_choice', () => {
    const error = errorOf({ messages: hi, tools, tool_choice: { type: 'function', function: { name: 'nope' } } });
    expect(error.status).toBe(400);
    expect(error.param).toBe('tool_choice');
  });

  it('keeps every tool for allowed_tools and lists tool_choice as ignored', () => {
    const { turn, ignored } = convertMessages(hi, {
      tools,
      tool_choice: { type: 'allowed_tools', allowed_tools: { mode: 'auto', tools: [{ type: 'function', function: { name: 'get_time' } }] } },
    });
    expect(turn.tools).toHaveLength(2);
    expect(ignored).toContain('tool_choice');
  });

  it('ends the turn after the first call for parallel_tool_calls false', () => {
    expect(convertMessages(hi, { tools, parallel_tool_calls: false }).turn.parallelToolCalls).toBe(false);
    expect(convertMessages(hi, { tools, parallel_tool_calls: true }).turn.parallelToolCalls).toBe(true);
    expect(convertMessages(hi, { tools, parallel_tool_calls: null }).turn.parallelToolCalls).toBe(true);
  });

  it('keeps tool call ids and bare names in the history (the prefix is added when the CLI is invoked)', () => {
    const { turn } = convertMessages(
      [
        { role: 'user', content: 'Weather?' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [{ id: 'toolu_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } }],
        },
        { role: 'tool', tool_call_id: 'toolu_1', content: 'Sunny' },
      ],
      { tools },
    );
    expect(turn.messages[1]).toEqual({ role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Oslo' } }] });
    expect(turn.messages[2]).toEqual({ role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'Sunny' }] });
  });
});
