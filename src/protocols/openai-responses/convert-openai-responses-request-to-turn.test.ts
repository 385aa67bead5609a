import { describe, expect, it } from 'vitest';
import { proxyErrorOf } from '../../../test/support/proxy-error-of.ts';
import { normalizeConversation } from '../../core/normalize-conversation.ts';
import type { ProxyError } from '../../errors.ts';
import { parseRequestBody } from '../parse-request-body.ts';
import { convertOpenAIResponsesRequestToTurn, type ConvertedResponsesRequest } from './convert-openai-responses-request-to-turn.ts';
import { encodeThinkingAsReasoning } from './encode-thinking-as-reasoning.ts';
import { responsesRequestSchema } from './openai-responses-wire.ts';

const PNG_DATA = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk';
const PDF_DATA = 'JVBERi0xLjQKJcfsj6IKMSAwIG9iago=';

/** Converts a request body as the route does: through the wire schema, then the translator. */
function convert(body: Record<string, unknown>): ConvertedResponsesRequest {
  return convertOpenAIResponsesRequestToTurn(parseRequestBody(responsesRequestSchema, { model: 'sonnet', input: 'Hi', ...body }));
}

/** The ProxyError a conversion throws (fails the test if it does not throw one). */
function errorOf(body: Record<string, unknown>): ProxyError {
  return proxyErrorOf(() => convert(body));
}

const user = (content: unknown) => ({ role: 'user', content });

describe('convertOpenAIResponsesRequestToTurn: input', () => {
  it('turns its own reasoning items back into the thinking blocks before the tool call; drops foreign reasoning', () => {
    const thinking = { type: 'thinking' as const, thinking: 'Look it up.', signature: 'sig' };
    const { turn } = convert({
      input: [
        user('weather?'),
        { type: 'reasoning', id: 'rs_a', summary: [], encrypted_content: encodeThinkingAsReasoning(thinking) },
        { type: 'reasoning', id: 'rs_b', summary: [], encrypted_content: 'gAAAA-openai-own' },
        { type: 'function_call', call_id: 'toolu_1', name: 'get_weather', arguments: '{"city":"Paris"}' },
        { type: 'function_call_output', call_id: 'toolu_1', output: 'sunny' },
      ],
      tools: [{ type: 'function', name: 'get_weather', parameters: { type: 'object' } }],
    });
    expect(normalizeConversation(turn.messages)[1]).toEqual({
      role: 'assistant',
      content: [thinking, { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Paris' } }],
    });
  });

  it('rejects an input with no conversation in it, naming input', () => {
    for (const input of [[], [{ role: 'developer', content: 'Be brief.' }]]) {
      expect(errorOf({ input })).toMatchObject({ kind: 'invalid_request', param: 'input' });
    }
  });

  it('takes a string input as one user message', () => {
    const { turn, ignored, stream } = convert({ input: 'Hello there' });
    expect(turn.messages).toEqual([{ role: 'user', content: 'Hello there' }]);
    expect(turn.system).toEqual([]);
    expect(ignored).toEqual([]);
    expect(stream).toBe(false);
  });

  it('puts instructions first, then system and developer messages, in order, into the system prompt', () => {
    const { turn } = convert({
      instructions: 'You are terse.',
      input: [
        { role: 'developer', content: 'Answer in French.' },
        {
          type: 'message',
          role: 'system',
          content: [
            { type: 'input_text', text: 'One.' },
            { type: 'input_text', text: 'Two.' },
          ],
        },
        user('Bonjour'),
        { role: 'developer', content: '' },
      ],
    });
    expect(turn.system).toEqual(['You are terse.', 'Answer in French.', 'One.\nTwo.']);
    expect(turn.messages).toEqual([{ role: 'user', content: 'Bonjour' }]);
  });

  it('replays a multi-turn history with output messages, function calls and their outputs, as Anthropic turns', () => {
    const { turn } = convert({
      input: [
        { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Weather in Lima?' }] },
        { type: 'reasoning', id: 'rs_1', summary: [{ type: 'summary_text', text: 'look it up' }], encrypted_content: 'opaque' },
        { id: 'msg_1', type: 'message', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: 'Checking.', annotations: [] }] },
        { type: 'function_call', id: 'fc_1', call_id: 'call_1', name: 'get_weather', arguments: '{"city":"Lima"}', status: 'completed' },
        { type: 'function_call', call_id: 'call_2', name: 'get_time', arguments: '' },
        { type: 'function_call_output', call_id: 'call_1', output: 'sunny' },
        {
          type: 'function_call_output',
          call_id: 'call_2',
          output: [
            { type: 'input_text', text: 'noon' },
            { type: 'input_image', image_url: `data:image/png;base64,${PNG_DATA}` },
          ],
        },
        user('Thanks'),
      ],
    });
    expect(normalizeConversation(turn.messages)).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'Weather in Lima?' }] },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Checking.' },
          { type: 'tool_use', id: 'call_1', name: 'get_weather', input: { city: 'Lima' } },
          { type: 'tool_use', id: 'call_2', name: 'get_time', input: {} },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'call_1', content: 'sunny' },
          {
            type: 'tool_result',
            tool_use_id: 'call_2',
            content: [
              { type: 'text', text: 'noon' },
              { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG_DATA } },
            ],
          },
          { type: 'text', text: 'Thanks' },
        ],
      },
    ]);
  });

  it('drops reasoning items silently: without an Anthropic signature they cannot be replayed', () => {
    const { turn, ignored } = convert({ input: [user('a'), { type: 'reasoning', id: 'rs_1', summary: [] }, user('b')] });
    expect(turn.messages).toEqual([user('a'), user('b')]);
    expect(ignored).toEqual([]);
  });

  it('drops the items of hosted and custom tools and names them as ignored', () => {
    const { turn, ignored } = convert({
      input: [
        user('search'),
        { type: 'web_search_call', id: 'ws_1', status: 'completed' },
        { type: 'custom_tool_call', call_id: 'c1', name: 'apply_patch', input: '...' },
        { type: 'custom_tool_call_output', call_id: 'c1', output: 'ok' },
        user('again'),
      ],
    });
    expect(turn.messages).toEqual([user('search'), user('again')]);
    expect(ignored).toEqual(['input[web_search_call]', 'input[custom_tool_call]', 'input[custom_tool_call_output]']);
  });

  it('drops an assistant message with no text and turns a refusal into text', () => {
    const { turn } = convert({
      input: [user('a'), { role: 'assistant', content: [] }, { role: 'assistant', content: [{ type: 'refusal', refusal: 'I cannot.' }] }, user('b')],
    });
    expect(turn.messages).toEqual([user('a'), { role: 'assistant', content: [{ type: 'text', text: 'I cannot.' }] }, user('b')]);
  });

  it('turns images (data URL and http URL) and inline PDFs into image and document blocks', () => {
    const { turn } = convert({
      input: [
        user([
          { type: 'input_text', text: 'Look:' },
          { type: 'input_image', image_url: `data:image/png;base64,${PNG_DATA}`, detail: 'high' },
          { type: 'input_image', image_url: 'https://example.test/cat.jpg', detail: 'auto' },
          { type: 'input_file', filename: 'doc.pdf', file_data: `data:application/pdf;base64,${PDF_DATA}` },
        ]),
      ],
    });
    expect(turn.messages[0]!.content).toEqual([
      { type: 'text', text: 'Look:' },
      { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG_DATA } },
      { type: 'image', source: { type: 'url', url: 'https://example.test/cat.jpg' } },
      { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: PDF_DATA }, title: 'doc.pdf' },
    ]);
  });

  it.each([
    ['an uploaded image', { type: 'input_image', file_id: 'file-1', detail: 'auto' }, 'input.0.content.0.file_id'],
    ['an image of an unsupported type', { type: 'input_image', image_url: 'data:image/bmp;base64,AAAA' }, 'input.0.content.0.image_url'],
    ['a file that is not an inline PDF', { type: 'input_file', file_url: 'https://example.test/a.pdf' }, 'input.0.content.0'],
    ['an audio part', { type: 'input_audio', input_audio: { data: 'AAAA', format: 'wav' } }, 'input.0.content.0.type'],
  ])('rejects %s with a 400 naming the part', (_name, part, param) => {
    const error = errorOf({ input: [user([part])] });
    expect(error.status).toBe(400);
    expect(error.param).toBe(param);
  });

  it.each([
    ['arguments that are not JSON', { type: 'function_call', call_id: 'c', name: 'f', arguments: '{"a":' }, 'input.1.arguments'],
    ['arguments that are a JSON array', { type: 'function_call', call_id: 'c', name: 'f', arguments: '[1]' }, 'input.1.arguments'],
    ['a function call without call_id', { type: 'function_call', name: 'f', arguments: '{}' }, 'input.1.call_id'],
    ['a function call output without output', { type: 'function_call_output', call_id: 'c' }, 'input.1.output'],
    ['an item reference (needs storage)', { type: 'item_reference', id: 'msg_1' }, 'input.1'],
    ['an item without type or role', { content: 'x' }, 'input.1.type'],
    ['a message with an unknown role', { role: 'tool', content: 'x' }, 'input.1.role'],
    ['an image in a system message', { role: 'system', content: [{ type: 'input_image', image_url: 'https://x.test/a.png' }] }, 'input.1.content.0'],
  ])('rejects %s with a 400 naming the field', (_name, item, param) => {
    const error = errorOf({ input: [user('x'), item] });
    expect(error.status).toBe(400);
    expect(error.param).toBe(param);
  });
});

describe('convertOpenAIResponsesRequestToTurn: statelessness', () => {
  it.each([
    ['previous_response_id', { previous_response_id: 'resp_1' }],
    ['conversation', { conversation: 'conv_1' }],
    ['conversation', { conversation: { id: 'conv_1' } }],
    ['prompt', { prompt: { id: 'pmpt_1' } }],
    ['background', { background: true }],
  ])('rejects %s with a 400 that says the proxy is stateless', (param, body) => {
    const error = errorOf(body);
    expect(error.status).toBe(400);
    expect(error.kind).toBe('invalid_request');
    expect(error.param).toBe(param);
    expect(error.message).toMatch(/^\S+: /);
    if (param !== 'prompt') expect(error.message).toMatch(/stateless.*whole conversation/);
  });

  it('accepts null for them, and background false', () => {
    expect(() => convert({ previous_response_id: null, conversation: null, prompt: null, background: false })).not.toThrow();
  });
});

describe('convertOpenAIResponsesRequestToTurn: tools', () => {
  const weather = {
    type: 'function',
    name: 'get_weather',
    description: 'Weather',
    parameters: { type: 'object', properties: { city: { type: 'string' } } },
    strict: true,
  };

  it('takes flat function tools as client tools, and drops every other tool type, naming it', () => {
    const { turn, ignored } = convert({
      tools: [
        { type: 'web_search' },
        weather,
        { type: 'custom', name: 'apply_patch', format: { type: 'grammar' } },
        { type: 'function', name: 'now', parameters: null },
        { type: 'local_shell' },
        { type: 'mcp', server_label: 'x' },
      ],
    });
    expect(turn.tools).toEqual([
      { name: 'get_weather', description: 'Weather', inputSchema: weather.parameters },
      { name: 'now', description: undefined, inputSchema: { type: 'object', properties: {} } },
    ]);
    expect(ignored).toEqual(['tools[web_search]', 'tools[custom]', 'tools[local_shell]']);
    // An mcp tool names a server the CLI runs (checked against the registry by the runner).
    expect(turn.mcpServers).toEqual([{ name: 'x' }]);
  });

  it('takes an mcp tool with a server_url as a client-defined server, its authorization as a bearer header', () => {
    const { turn } = convert({
      tools: [{ type: 'mcp', server_label: 'docs', server_url: 'https://mcp.example/mcp', authorization: 'tok', headers: { 'x-team': 'a' } }],
    });
    expect(turn.mcpServers).toEqual([{ name: 'docs', url: 'https://mcp.example/mcp', headers: { 'x-team': 'a', Authorization: 'Bearer tok' } }]);
  });

  it('replays an mcp_call item as the exchange the model had, and drops mcp_list_tools items without naming them', () => {
    const { turn, ignored } = convert({
      input: [
        { role: 'user', content: 'go' },
        { type: 'mcp_list_tools', id: 'mcpl_1', server_label: 'everything', tools: [] },
        { type: 'mcp_call', id: 'mcp_toolu_a1', server_label: 'everything', name: 'echo', arguments: '{"message":"hi"}', output: 'Echo: hi' },
        { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Done.' }] },
        { role: 'user', content: 'more' },
      ],
    });
    expect(ignored).toEqual([]);
    expect(turn.messages[1]).toEqual({
      role: 'assistant',
      content: [
        { type: 'mcp_tool_use', id: 'toolu_a1', name: 'echo', server_name: 'everything', input: { message: 'hi' } },
        { type: 'mcp_tool_result', tool_use_id: 'toolu_a1', is_error: false, content: [{ type: 'text', text: 'Echo: hi' }] },
      ],
    });
  });

  it('rejects a duplicate function name with a 400 naming the tool by its index in the request', () => {
    const error = errorOf({ tools: [{ type: 'web_search' }, weather, weather] });
    expect(error.param).toBe('tools.2.name');
  });

  it.each([
    ['auto', 'auto', ['get_weather', 'now'], []],
    ['none', 'none', [], []],
    ['required', 'required', ['get_weather', 'now'], ['tool_choice']],
    ['a named function', { type: 'function', name: 'now' }, ['now'], ['tool_choice']],
    ['allowed_tools', { type: 'allowed_tools', mode: 'auto', tools: [] }, ['get_weather', 'now'], ['tool_choice']],
    ['a hosted tool', { type: 'web_search_preview' }, ['get_weather', 'now'], ['tool_choice']],
  ])('applies tool_choice %s', (_name, toolChoice, names, ignored) => {
    const converted = convert({ tools: [weather, { type: 'function', name: 'now' }], tool_choice: toolChoice });
    expect(converted.turn.tools.map((tool) => tool.name)).toEqual(names);
    expect(converted.ignored).toEqual(ignored);
  });

  it('ends the turn after one call with parallel_tool_calls false', () => {
    expect(convert({ parallel_tool_calls: false }).turn.parallelToolCalls).toBe(false);
    expect(convert({}).turn.parallelToolCalls).toBe(true);
  });
});

describe('convertOpenAIResponsesRequestToTurn: settings', () => {
  it('maps max_output_tokens, stream and the JSON formats', () => {
    const schema = { type: 'object', properties: { a: { type: 'number' } } };
    const converted = convert({ max_output_tokens: 300, stream: true, text: { format: { type: 'json_schema', name: 'answer', schema, strict: true } } });
    expect(converted.turn.maxTokens).toBe(300);
    expect(converted.stream).toBe(true);
    expect(converted.turn.outputSchema).toEqual(schema);
    expect(convert({ text: { format: { type: 'json_object' } } }).turn.outputSchema).toEqual({ type: 'object' });
    expect(convert({ text: { format: { type: 'text' } } }).turn.outputSchema).toBeUndefined();
  });

  it.each([
    [undefined, { type: 'disabled' }, undefined],
    ['none', { type: 'disabled' }, undefined],
    ['minimal', { type: 'adaptive' }, 'low'],
    ['low', { type: 'adaptive' }, 'low'],
    ['medium', { type: 'adaptive' }, 'medium'],
    ['high', { type: 'adaptive' }, 'high'],
    ['xhigh', { type: 'adaptive' }, 'xhigh'],
  ])('maps reasoning.effort %s as Chat Completions maps reasoning_effort', (effort, thinking, turnEffort) => {
    const { turn } = convert({ reasoning: effort != null ? { effort } : undefined });
    expect(turn.thinking).toEqual(thinking);
    expect(turn.effort).toBe(turnEffort);
  });

  it('sends summaries only when reasoning.summary (or the older generate_summary) asks for them', () => {
    expect(convert({ reasoning: { effort: 'low' } }).reasoningSummary).toBe(false);
    expect(convert({ reasoning: { effort: 'low', summary: 'auto' } }).reasoningSummary).toBe(true);
    expect(convert({ reasoning: { effort: 'low', generate_summary: 'concise' } }).reasoningSummary).toBe(true);
    expect(convert({ reasoning: { effort: 'low', summary: null } }).reasoningSummary).toBe(false);
  });

  it('accepts every documented field, ignores unknown ones, and lists what the CLI cannot honour', () => {
    const { ignored } = convert({
      temperature: 0.2,
      top_p: 0.9,
      top_logprobs: 2,
      user: 'u',
      safety_identifier: 's',
      metadata: { a: 'b' },
      store: true,
      service_tier: 'auto',
      prompt_cache_key: 'k',
      include: ['reasoning.encrypted_content'],
      truncation: 'auto',
      text: { verbosity: 'low' },
      stream_options: { include_obfuscation: true },
      client_metadata: { anything: true },
    });
    expect(ignored).toEqual([
      'temperature',
      'top_p',
      'top_logprobs',
      'user',
      'safety_identifier',
      'metadata',
      'store',
      'service_tier',
      'prompt_cache_key',
      'include',
      'truncation',
      'text.verbosity',
      'stream_options.include_obfuscation',
    ]);
  });

  it('does not list the settings the proxy follows anyway: store false, truncation disabled, no obfuscation', () => {
    expect(
      convert({ store: false, truncation: 'disabled', stream_options: { include_obfuscation: false }, include: [], parallel_tool_calls: true }).ignored,
    ).toEqual([]);
  });

  it('rejects an unknown model and a missing input with a 400 naming the field', () => {
    expect(errorOf({ model: 'gpt-5-codex' }).param).toBe('model');
    expect(() => convertOpenAIResponsesRequestToTurn(parseRequestBody(responsesRequestSchema, { model: 'sonnet' }))).toThrow(/input: Field required/);
  });
});
