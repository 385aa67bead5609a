/**
 * OpenAI Responses end to end: official `openai` SDK (v6) → proxy → real `claude` CLI → fake upstream.
 */
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorReply, textReply, withoutCliAdditions, withToolResultsAsBlocks } from '../support/fake-upstream.ts';
import { readSseFrames } from '../support/read-sse.ts';
import { startTestProxy, type TestProxy } from '../support/start-test-proxy.ts';
import { aliasId } from '../support/cli-aliases.ts';

let proxy: TestProxy;
let client: OpenAI;

beforeAll(async () => {
  proxy = await startTestProxy({ settings: { STREAM_IDLE_TIMEOUT_MS: '2000' } });
  client = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: 'unused', maxRetries: 0 });
});
afterAll(async () => proxy.close());

const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';
const weatherSchema = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false };
const weatherTool: OpenAI.Responses.FunctionTool = {
  type: 'function',
  name: 'get_weather',
  description: 'Current weather for a city',
  parameters: weatherSchema,
  strict: true,
};

function upstreamRequest(marker: string) {
  const requests = proxy.upstream.modelRequests(marker);
  expect(requests).toHaveLength(1);
  return requests[0]!.body;
}

describe('POST /v1/responses', () => {
  it('answers a string input with a completed response whose output_text the SDK assembles', async () => {
    proxy.upstream.when('marker-resp-create', textReply('Hi there.', { usage: { input_tokens: 10, output_tokens: 3, cache_read_input_tokens: 4 } }));
    const response = await client.responses.create({ model: 'sonnet', input: 'marker-resp-create hello' });
    expect(response.id).toMatch(/^resp_/);
    expect(response).toMatchObject({
      object: 'response',
      status: 'completed',
      model: aliasId('sonnet'),
      error: null,
      incomplete_details: null,
      output: [{ type: 'message', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: 'Hi there.', annotations: [] }] }],
      usage: { input_tokens: 14, input_tokens_details: { cached_tokens: 4 }, output_tokens: 3, total_tokens: 17 },
    });
    expect(response.created_at).toBeGreaterThan(1_700_000_000);
    expect(response.output_text).toBe('Hi there.');
  });

  it('gives upstream the instructions and developer messages as the system prompt, and the item history as turns', async () => {
    await client.responses.create({
      model: 'sonnet',
      instructions: 'Be terse.',
      input: [
        { role: 'developer', content: 'Answer in French.' },
        { role: 'user', content: 'first question' },
        {
          type: 'message',
          role: 'assistant',
          content: [{ type: 'output_text', text: 'first answer', annotations: [] }],
          id: 'msg_earlier',
          status: 'completed',
        },
        { type: 'reasoning', id: 'rs_earlier', summary: [{ type: 'summary_text', text: 'an earlier thought' }] },
        { role: 'user', content: [{ type: 'input_text', text: 'marker-resp-history second question' }] },
      ],
    });
    const body = upstreamRequest('marker-resp-history');
    expect(body.system.slice(1).map((block: { text: string }) => block.text)).toEqual(['Be terse.\n\nAnswer in French.']);
    expect(withoutCliAdditions(body.messages)).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'first question' }] },
      { role: 'assistant', content: [{ type: 'text', text: 'first answer' }] },
      { role: 'user', content: [{ type: 'text', text: 'marker-resp-history second question' }] },
    ]);
    expect(JSON.stringify(body)).not.toContain('an earlier thought');
  });

  it('streams with .stream() and finalResponse() assembles it', async () => {
    proxy.upstream.when('marker-resp-stream', textReply('alpha beta', { chunks: ['alpha', ' beta'] }));
    const stream = client.responses.stream({ model: 'haiku', input: 'marker-resp-stream' });
    const deltas: string[] = [];
    stream.on('response.output_text.delta', (event) => deltas.push(event.delta));
    const response = await stream.finalResponse();
    expect(deltas).toEqual(['alpha', ' beta']);
    expect(response).toMatchObject({ status: 'completed', model: aliasId('haiku'), output_text: 'alpha beta' });
  });

  it('follows the event rules on /responses too: event line = type, sequence numbers from 0, ends with response.completed, no [DONE]', async () => {
    proxy.upstream.when('marker-resp-raw', textReply('xyz', { chunks: ['x', 'y', 'z'] }));
    const raw = await fetch(`${proxy.url}/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer unused' },
      body: JSON.stringify({ model: 'sonnet', stream: true, input: 'marker-resp-raw' }),
    });
    expect(raw.status).toBe(200);
    expect(raw.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const frames = await readSseFrames(raw);
    expect(frames.every((frame) => frame.data !== '[DONE]')).toBe(true);
    const events = frames
      .filter((frame) => frame.data != null)
      .map((frame) => ({ event: frame.event, data: JSON.parse(frame.data!) as OpenAI.Responses.ResponseStreamEvent }));
    for (const { event, data } of events) expect(event).toBe(data.type);
    expect(events.map(({ data }) => data.sequence_number)).toEqual(events.map((_, index) => index));
    expect(events.map(({ data }) => data.type)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      'response.output_text.delta',
      'response.output_text.delta',
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.completed',
    ]);
    const completed = events.at(-1)!.data as OpenAI.Responses.ResponseCompletedEvent;
    expect(completed.response).toMatchObject({
      id: (events[0]!.data as OpenAI.Responses.ResponseCreatedEvent).response.id,
      status: 'completed',
      usage: { input_tokens: 12, output_tokens: 5, total_tokens: 17 },
    });
  });

  it('reports a max_output_tokens stop as status incomplete, and sends the limit upstream', async () => {
    proxy.upstream.when('marker-resp-length', textReply('cut', { stopReason: 'max_tokens' }));
    const response = await client.responses.create({ model: 'sonnet', max_output_tokens: 40, input: 'marker-resp-length' });
    expect(response).toMatchObject({ status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' }, output_text: 'cut', max_output_tokens: 40 });
    expect(upstreamRequest('marker-resp-length').max_tokens).toBe(40);
  });

  it('sends an input_image data URL upstream as an image block', async () => {
    await client.responses.create({
      model: 'sonnet',
      input: [
        {
          role: 'user',
          content: [
            { type: 'input_text', text: 'marker-resp-image what is this?' },
            { type: 'input_image', image_url: `data:image/png;base64,${PNG}`, detail: 'auto' },
          ],
        },
      ],
    });
    expect(withoutCliAdditions(upstreamRequest('marker-resp-image').messages)).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'marker-resp-image what is this?' },
          { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG } },
        ],
      },
    ]);
  });

  it('maps reasoning.effort to thinking upstream and returns the thinking as the reasoning summary', async () => {
    proxy.upstream.when('marker-resp-reasoning', {
      kind: 'message',
      content: [
        { type: 'thinking', thinking: 'pondering', signature: 's' },
        { type: 'text', text: 'answer' },
      ],
    });
    const response = await client.responses.create({ model: 'sonnet', reasoning: { effort: 'low', summary: 'auto' }, input: 'marker-resp-reasoning' });
    const body = upstreamRequest('marker-resp-reasoning');
    expect({ thinking: body.thinking, effort: body.output_config?.effort }).toEqual({ thinking: { type: 'adaptive' }, effort: 'low' });
    expect(response.output.map((item) => item.type)).toEqual(['reasoning', 'message']);
    expect(response.output[0]).toMatchObject({ type: 'reasoning', id: expect.stringMatching(/^rs_/), summary: [{ type: 'summary_text', text: 'pondering' }] });
    expect(response.output_text).toBe('answer');
    expect(response.reasoning).toEqual({ effort: 'low', summary: 'auto' });
  });
});

describe('Responses function tools', () => {
  it('returns a function call, then takes the call and its output back as tool_use and tool_result turns', async () => {
    proxy.upstream.when('marker-resp-tool', {
      kind: 'message',
      content: [
        { type: 'text', text: 'Let me check.' },
        { type: 'tool_use', id: 'toolu_r1', name: 'mcp__t__get_weather', input: { city: 'Paris' } },
      ],
    });
    proxy.upstream.when('resp-result-paris', textReply('Paris is rainy.'));
    const input: OpenAI.Responses.ResponseInput = [{ role: 'user', content: 'marker-resp-tool weather in Paris?' }];
    const first = await client.responses.create({ model: 'sonnet', tools: [weatherTool], input });
    expect(first.status).toBe('completed');
    expect(first.output.filter((item) => item.type === 'function_call')).toEqual([
      {
        id: expect.stringMatching(/^fc_/),
        type: 'function_call',
        call_id: 'toolu_r1',
        name: 'get_weather',
        arguments: '{"city":"Paris"}',
        status: 'completed',
      },
    ]);
    expect(upstreamRequest('marker-resp-tool').tools).toEqual([
      { name: 'mcp__t__get_weather', description: 'Current weather for a city', input_schema: weatherSchema },
    ]);

    const second = await client.responses.create({
      model: 'sonnet',
      tools: [weatherTool],
      input: [
        ...input,
        ...(first.output as OpenAI.Responses.ResponseInputItem[]),
        { type: 'function_call_output', call_id: 'toolu_r1', output: 'resp-result-paris' },
      ],
    });
    expect(second.output_text).toBe('Paris is rainy.');
    expect(withToolResultsAsBlocks(withoutCliAdditions(upstreamRequest('resp-result-paris').messages))).toEqual(
      withToolResultsAsBlocks([
        { role: 'user', content: [{ type: 'text', text: 'marker-resp-tool weather in Paris?' }] },
        {
          role: 'assistant',
          content: [
            { type: 'text', text: 'Let me check.' },
            { type: 'tool_use', id: 'toolu_r1', name: 'mcp__t__get_weather', input: { city: 'Paris' } },
          ],
        },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_r1', content: 'resp-result-paris' }] },
      ]),
    );
  });

  it('carries the thinking through the client in the reasoning item, so the tool loop sends it back before the tool_use', async () => {
    proxy.upstream.when('marker-resp-think-tool', {
      kind: 'message',
      content: [
        { type: 'thinking', thinking: 'I need the weather.', signature: 'sig-think' },
        { type: 'tool_use', id: 'toolu_t1', name: 'mcp__t__get_weather', input: { city: 'Oslo' } },
      ],
      stopReason: 'tool_use',
    });
    proxy.upstream.when('resp-result-oslo', textReply('Oslo is cold.'));
    const input: OpenAI.Responses.ResponseInput = [{ role: 'user', content: 'marker-resp-think-tool weather in Oslo?' }];
    const settings: Pick<OpenAI.Responses.ResponseCreateParams, 'model' | 'reasoning' | 'tools'> = {
      model: 'sonnet',
      reasoning: { effort: 'low' },
      tools: [weatherTool],
    };
    // Streamed, as Codex and the Agents SDK do: the items come from the stream's final response.
    const first = await client.responses.stream({ ...settings, input }).finalResponse();
    expect(first.output.map((item) => item.type)).toEqual(['reasoning', 'function_call']);
    const second = await client.responses.create({
      ...settings,
      input: [
        ...input,
        ...(first.output as OpenAI.Responses.ResponseInputItem[]),
        { type: 'function_call_output', call_id: 'toolu_t1', output: 'resp-result-oslo' },
      ],
    });
    expect(second.output_text).toBe('Oslo is cold.');
    expect(withoutCliAdditions(upstreamRequest('resp-result-oslo').messages)[1]).toEqual({
      role: 'assistant',
      content: [
        { type: 'thinking', thinking: 'I need the weather.', signature: 'sig-think' },
        { type: 'tool_use', id: 'toolu_t1', name: 'mcp__t__get_weather', input: { city: 'Oslo' } },
      ],
    });
  });

  it('streams a function call as output_item.added, argument deltas, arguments.done and output_item.done', async () => {
    proxy.upstream.when('marker-resp-tool-stream', {
      kind: 'message',
      content: [{ type: 'tool_use', id: 'toolu_s1', name: 'mcp__t__get_weather', input: { city: 'Rome' } }],
    });
    const stream = client.responses.stream({ model: 'sonnet', tools: [weatherTool], input: 'marker-resp-tool-stream' });
    const argumentDeltas: string[] = [];
    const argumentsDone: string[] = [];
    stream.on('response.function_call_arguments.delta', (event) => argumentDeltas.push(event.delta));
    stream.on('response.function_call_arguments.done', (event) => argumentsDone.push(event.arguments));
    const response = await stream.finalResponse();
    expect(argumentDeltas.join('')).toBe('{"city":"Rome"}');
    expect(argumentsDone).toEqual(['{"city":"Rome"}']);
    expect(response.output).toMatchObject([
      { type: 'function_call', call_id: 'toolu_s1', name: 'get_weather', arguments: '{"city":"Rome"}', status: 'completed' },
    ]);
  });

  it('drops hosted and custom tools, names them in x-proxy-ignored, and shows the model only the function tools', async () => {
    const { response } = await client.responses
      .create({
        model: 'sonnet',
        tools: [{ type: 'web_search' }, weatherTool, { type: 'custom', name: 'apply_patch' }],
        input: 'marker-resp-hosted',
      })
      .withResponse();
    expect(response.status).toBe(200);
    expect(response.headers.get('x-proxy-ignored')).toBe('tools[web_search], tools[custom]');
    expect(upstreamRequest('marker-resp-hosted').tools.map((tool: { name: string }) => tool.name)).toEqual(['mcp__t__get_weather']);
  });
});

describe('Responses errors', () => {
  it('maps an upstream 429 before the stream starts to a RateLimitError', async () => {
    proxy.upstream.when('marker-resp-429', errorReply(429, 'rate_limit_error', 'too many'));
    const error = await client.responses
      .stream({ model: 'sonnet', input: 'marker-resp-429' })
      .finalResponse()
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    expect((error as InstanceType<typeof OpenAI.APIError>).code).toBe('rate_limit_exceeded');
  });

  it('ends a stream that fails mid-way with response.failed and an error event, and the SDK throws', async () => {
    proxy.upstream.when('marker-resp-stall', textReply('partial', { chunks: ['par', 'tial'], interrupt: { afterEvents: 3, mode: 'stall' } }));
    const stream = client.responses.stream({ model: 'sonnet', input: 'marker-resp-stall' });
    const deltas: string[] = [];
    const failures: OpenAI.Responses.ResponseFailedEvent[] = [];
    stream.on('response.output_text.delta', (event) => deltas.push(event.delta));
    stream.on('response.failed', (event) => failures.push(event));
    const error = await stream.finalResponse().catch((caught: unknown) => caught);
    expect(deltas).toEqual(['par']);
    expect(failures).toHaveLength(1);
    expect(failures[0]!.response).toMatchObject({
      status: 'failed',
      error: { code: 'server_error', message: expect.stringContaining('STREAM_IDLE_TIMEOUT_MS') },
      output: [{ type: 'message', status: 'incomplete', content: [{ type: 'output_text', text: 'par' }] }],
    });
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect((error as InstanceType<typeof OpenAI.APIError>).message).toContain('STREAM_IDLE_TIMEOUT_MS');
  });
});
