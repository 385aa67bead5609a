/**
 * @module
 * Valid requests of the three APIs, the seeds the fuzzer mutates: each one is accepted by the proxy as it is.
 * Between them they use every field the translators read (tools and tool loops, images, documents, thinking,
 * structured output, stop sequences, reasoning items, streaming and not).
 */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export type FuzzApi = 'messages' | 'count_tokens' | 'chat' | 'responses';

export interface FuzzSeed {
  api: FuzzApi;
  path: string;
  body: Json;
}

export const PNG_BASE64 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';
export const PDF_BASE64 = Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n').toString('base64');

const weatherSchema: Json = { type: 'object', properties: { city: { type: 'string' }, days: { type: 'integer', minimum: 1 } }, required: ['city'] };

const messagesSeeds: Json[] = [
  { model: 'claude-sonnet-4-6', max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] },
  {
    model: 'sonnet',
    max_tokens: 256,
    stream: true,
    system: [{ type: 'text', text: 'Be brief.', cache_control: { type: 'ephemeral' } }],
    stop_sequences: ['END', '\n\nHuman:'],
    messages: [
      {
        role: 'user',
        content: [
          { type: 'text', text: 'look' },
          { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG_BASE64 } },
        ],
      },
      { role: 'assistant', content: [{ type: 'text', text: 'a pixel' }] },
      {
        role: 'user',
        content: [
          { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: PDF_BASE64 }, title: 'doc' },
          { type: 'text', text: 'and this?' },
        ],
      },
    ],
  },
  {
    model: 'claude-opus-4-8',
    max_tokens: 2048,
    stream: true,
    thinking: { type: 'enabled', budget_tokens: 1024 },
    output_config: { effort: 'low' },
    tools: [
      { name: 'get_weather', description: 'Weather', input_schema: weatherSchema },
      { type: 'web_search_20250305', name: 'web_search' },
    ],
    tool_choice: { type: 'auto', disable_parallel_tool_use: true },
    messages: [
      { role: 'user', content: 'weather in Paris?' },
      {
        role: 'assistant',
        content: [
          { type: 'thinking', thinking: 'use the tool', signature: 'c2lnbmF0dXJl' },
          { type: 'tool_use', id: 'toolu_01', name: 'get_weather', input: { city: 'Paris' } },
        ],
      },
      {
        role: 'user',
        content: [
          {
            type: 'tool_result',
            tool_use_id: 'toolu_01',
            content: [
              { type: 'text', text: 'sunny' },
              { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG_BASE64 } },
            ],
          },
        ],
      },
    ],
  },
  {
    model: 'haiku',
    max_tokens: 100,
    output_config: { format: { type: 'json_schema', schema: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] } } },
    metadata: { user_id: 'u1' },
    temperature: 0.5,
    messages: [
      {
        role: 'user',
        content: [
          { type: 'image', source: { type: 'url', url: 'https://example.com/a.png' } },
          { type: 'text', text: 'name?' },
        ],
      },
    ],
  },
  {
    model: 'claude-sonnet-4-6',
    max_tokens: 50,
    tool_choice: { type: 'tool', name: 'lookup' },
    tools: [{ name: 'lookup', input_schema: { type: 'object' } }],
    messages: [
      { role: 'user', content: 'find it' },
      {
        role: 'assistant',
        content: [
          { type: 'redacted_thinking', data: 'abc' },
          { type: 'tool_use', id: 'toolu_02', name: 'lookup', input: {} },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'toolu_02', content: 'not found', is_error: true },
          { type: 'text', text: 'try again' },
        ],
      },
    ],
  },
];

/** MCP servers of the registry the fuzzed proxy has (`everything`), and a history with the blocks they answer with. */
messagesSeeds.push({
  model: 'sonnet',
  max_tokens: 100,
  metadata: { mcp_servers: ['everything'] },
  messages: [
    { role: 'user', content: 'echo it' },
    {
      role: 'assistant',
      content: [
        { type: 'text', text: 'Using the tool.' },
        { type: 'mcp_tool_use', id: 'toolu_m1', name: 'echo', server_name: 'everything', input: { message: 'x' } },
        { type: 'mcp_tool_result', tool_use_id: 'toolu_m1', is_error: false, content: [{ type: 'text', text: 'Echo: x' }] },
        { type: 'text', text: 'Done.' },
      ],
    },
    { role: 'user', content: 'again' },
  ],
});

const chatSeeds: Json[] = [
  { model: 'sonnet', messages: [{ role: 'user', content: 'hi' }] },
  {
    model: 'claude-sonnet-4-6',
    stream: true,
    stream_options: { include_usage: true },
    max_completion_tokens: 300,
    reasoning_effort: 'low',
    stop: ['END'],
    messages: [
      { role: 'system', content: 'Be brief.' },
      { role: 'developer', content: [{ type: 'text', text: 'Really.' }] },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'what is this' },
          { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG_BASE64}` } },
        ],
      },
    ],
  },
  {
    model: 'opus',
    tools: [{ type: 'function', function: { name: 'get_weather', description: 'Weather', parameters: weatherSchema } }],
    tool_choice: 'auto',
    parallel_tool_calls: false,
    messages: [
      { role: 'user', content: 'weather?' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
      { role: 'tool', tool_call_id: 'call_1', content: 'sunny' },
    ],
  },
  {
    model: 'haiku',
    response_format: { type: 'json_schema', json_schema: { name: 'person', schema: { type: 'object', properties: { name: { type: 'string' } } } } },
    n: 1,
    temperature: 0.2,
    user: 'someone',
    messages: [
      {
        role: 'user',
        content: [
          { type: 'file', file: { file_data: `data:application/pdf;base64,${PDF_BASE64}`, filename: 'a.pdf' } },
          { type: 'text', text: 'summarise' },
        ],
      },
    ],
  },
];

const responsesSeeds: Json[] = [
  { model: 'sonnet', input: 'hi' },
  {
    model: 'claude-sonnet-4-6',
    stream: true,
    instructions: 'Be brief.',
    max_output_tokens: 500,
    reasoning: { effort: 'medium', summary: 'auto' },
    store: false,
    input: [
      { role: 'developer', content: 'Really.' },
      {
        type: 'message',
        role: 'user',
        content: [
          { type: 'input_text', text: 'look' },
          { type: 'input_image', image_url: `data:image/png;base64,${PNG_BASE64}` },
        ],
      },
      { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'a pixel' }] },
      { role: 'user', content: [{ type: 'input_file', file_data: `data:application/pdf;base64,${PDF_BASE64}`, filename: 'a.pdf' }] },
    ],
  },
  {
    model: 'opus',
    tools: [{ type: 'function', name: 'get_weather', description: 'Weather', parameters: weatherSchema, strict: false }, { type: 'web_search' }],
    tool_choice: 'auto',
    parallel_tool_calls: true,
    text: { format: { type: 'json_schema', name: 'w', schema: { type: 'object' } } },
    input: [
      { role: 'user', content: 'weather?' },
      { type: 'reasoning', id: 'rs_1', summary: [], encrypted_content: 'opaque' },
      { type: 'function_call', call_id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' },
      { type: 'function_call_output', call_id: 'call_1', output: 'sunny' },
      { type: 'web_search_call', id: 'ws_1', status: 'completed' },
    ],
  },
];

responsesSeeds.push({
  model: 'sonnet',
  tools: [{ type: 'mcp', server_label: 'everything', require_approval: 'never' }],
  input: [
    { role: 'user', content: 'echo it' },
    { type: 'mcp_list_tools', id: 'mcpl_1', server_label: 'everything', tools: [] },
    { type: 'mcp_call', id: 'mcp_toolu_m2', server_label: 'everything', name: 'echo', arguments: '{"message":"x"}', output: 'Echo: x' },
    { role: 'user', content: 'again' },
  ],
});

const countSeeds: Json[] = [
  { model: 'sonnet', messages: [{ role: 'user', content: 'count me' }], system: 'x', tools: [{ name: 't', input_schema: { type: 'object' } }] },
];

export const FUZZ_SEEDS: readonly FuzzSeed[] = [
  ...messagesSeeds.map((body) => ({ api: 'messages' as const, path: '/v1/messages', body })),
  ...countSeeds.map((body) => ({ api: 'count_tokens' as const, path: '/v1/messages/count_tokens', body })),
  ...chatSeeds.map((body) => ({ api: 'chat' as const, path: '/v1/chat/completions', body })),
  ...responsesSeeds.map((body) => ({ api: 'responses' as const, path: '/v1/responses', body })),
];
