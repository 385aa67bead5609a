/**
 * Client tools: the model calls the client's tools, the client runs them and sends results back, through both
 * official SDKs. The proxy never runs a tool, every turn is exactly one upstream model request, and no CLI
 * process stays behind.
 */
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { busyCliProcesses } from '../support/cli-processes.ts';
import { textReply, type FakeBlock } from '../support/fake-upstream.ts';
import { readSseFrames } from '../support/read-sse.ts';
import { startTestProxy, type TestProxy } from '../support/start-test-proxy.ts';

let proxy: TestProxy;
let anthropic: Anthropic;
let openai: OpenAI;

beforeAll(async () => {
  proxy = await startTestProxy();
  anthropic = new Anthropic({ baseURL: proxy.url, apiKey: 'x', maxRetries: 0 });
  openai = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: 'x', maxRetries: 0 });
});
afterAll(async () => proxy.close());

const weatherSchema = { type: 'object', properties: { city: { type: 'string', description: 'City name' } }, required: ['city'], additionalProperties: false };
const weatherTool: Anthropic.Tool = {
  name: 'get_weather',
  description: 'Current weather for a city',
  input_schema: weatherSchema as Anthropic.Tool.InputSchema,
};

/** What the model sends for a call of a client tool: the name it saw, behind the CLI's MCP prefix. */
const call = (id: string, city: string): FakeBlock => ({ type: 'tool_use', id, name: 'mcp__t__get_weather', input: { city } });

describe('Anthropic tools', () => {
  it('shows the model the client tool with its schema unchanged and returns its call with the bare name, in one upstream request', async () => {
    proxy.upstream.when('marker-tool-call', { kind: 'message', content: [{ type: 'text', text: 'Let me check.' }, call('toolu_a1', 'Paris')] });
    const message = await anthropic.messages.create({
      model: 'sonnet',
      max_tokens: 500,
      tools: [weatherTool],
      messages: [{ role: 'user', content: 'marker-tool-call weather in Paris?' }],
    });
    expect(message.stop_reason).toBe('tool_use');
    expect(message.content).toEqual([
      { type: 'text', text: 'Let me check.' },
      { type: 'tool_use', id: 'toolu_a1', name: 'get_weather', input: { city: 'Paris' } },
    ]);
    const requests = proxy.upstream.modelRequests('marker-tool-call');
    expect(requests).toHaveLength(1);
    expect(requests[0]!.body.tools).toEqual([{ name: 'mcp__t__get_weather', description: 'Current weather for a city', input_schema: weatherSchema }]);
    await expect.poll(() => busyCliProcesses(proxy)).toEqual([]);
  });

  it('runs a full loop: parallel calls streamed, results sent back, final answer; one upstream request per turn', async () => {
    proxy.upstream.when('marker-tool-loop', { kind: 'message', content: [call('toolu_p', 'Paris'), call('toolu_r', 'Rome')] });
    proxy.upstream.when('loop-result-rome', textReply('Paris is rainy, Rome is sunny.'));
    const messages: Anthropic.MessageParam[] = [{ role: 'user', content: 'marker-tool-loop Paris and Rome?' }];
    const first = await anthropic.messages.stream({ model: 'sonnet', max_tokens: 500, tools: [weatherTool], messages }).finalMessage();
    expect(first.stop_reason).toBe('tool_use');
    const calls = first.content.filter((block): block is Anthropic.ToolUseBlock => block.type === 'tool_use');
    expect(calls.map((block) => [block.id, block.name, block.input])).toEqual([
      ['toolu_p', 'get_weather', { city: 'Paris' }],
      ['toolu_r', 'get_weather', { city: 'Rome' }],
    ]);
    messages.push({ role: 'assistant', content: first.content });
    messages.push({
      role: 'user',
      content: [
        { type: 'tool_result', tool_use_id: 'toolu_p', content: 'loop-result-paris' },
        { type: 'tool_result', tool_use_id: 'toolu_r', content: 'loop-result-rome', is_error: false },
      ],
    });
    const second = await anthropic.messages.create({ model: 'sonnet', max_tokens: 500, tools: [weatherTool], messages });
    expect(second.content).toEqual([{ type: 'text', text: 'Paris is rainy, Rome is sunny.' }]);
    expect(proxy.upstream.modelRequests('marker-tool-loop')).toHaveLength(1);
    const followUps = proxy.upstream.modelRequests('loop-result-rome');
    expect(followUps).toHaveLength(1);
    // The history shows the model its own calls under the names it saw.
    expect(followUps[0]!.body.messages[1].content.map((block: { name?: string }) => block.name)).toEqual(['mcp__t__get_weather', 'mcp__t__get_weather']);
  });

  it('returns only the first call when disable_parallel_tool_use is set', async () => {
    proxy.upstream.when('marker-one-call', { kind: 'message', content: [call('toolu_1', 'Oslo'), call('toolu_2', 'Bergen')] });
    const message = await anthropic.messages.create({
      model: 'sonnet',
      max_tokens: 500,
      tools: [weatherTool],
      tool_choice: { type: 'auto', disable_parallel_tool_use: true },
      messages: [{ role: 'user', content: 'marker-one-call' }],
    });
    expect(message.content).toEqual([{ type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Oslo' } }]);
    expect(message.stop_reason).toBe('tool_use');
  });

  it('hides the tools for tool_choice none', async () => {
    await anthropic.messages.create({
      model: 'sonnet',
      max_tokens: 50,
      tools: [weatherTool],
      tool_choice: { type: 'none' },
      messages: [{ role: 'user', content: 'marker-choice-none' }],
    });
    expect(proxy.upstream.modelRequests('marker-choice-none')[0]!.body.tools ?? []).toEqual([]);
  });

  it('rejects duplicate tool names with a 400', async () => {
    const error = await anthropic.messages
      .create({ model: 'sonnet', max_tokens: 50, tools: [weatherTool, weatherTool], messages: [{ role: 'user', content: 'x' }] })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Anthropic.BadRequestError);
    expect((error as InstanceType<typeof Anthropic.APIError>).message).toContain('tools.1.name');
  });

  it('counts tokens of messages, system and tools without a model call', async () => {
    const before = proxy.upstream.modelRequests().length;
    const without = await anthropic.messages.countTokens({ model: 'sonnet', messages: [{ role: 'user', content: 'weather?' }] });
    const withTools = await anthropic.messages.countTokens({ model: 'sonnet', tools: [weatherTool], messages: [{ role: 'user', content: 'weather?' }] });
    expect(withTools.input_tokens).toBeGreaterThan(without.input_tokens);
    expect(proxy.upstream.modelRequests().length).toBe(before);
  });
});

describe('OpenAI tools', () => {
  const weatherFunction: OpenAI.ChatCompletionTool = {
    type: 'function',
    function: { name: 'get_weather', description: 'Current weather for a city', parameters: weatherSchema },
  };

  it('streams parallel tool calls per the chunk rules and finishes with tool_calls', async () => {
    proxy.upstream.when('marker-openai-parallel', {
      kind: 'message',
      content: [{ type: 'text', text: 'Checking both.' }, call('toolu_x', 'Lima'), call('toolu_y', 'Quito')],
    });
    const response = await fetch(`${proxy.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'sonnet', stream: true, tools: [weatherFunction], messages: [{ role: 'user', content: 'marker-openai-parallel' }] }),
    });
    const chunks = (await readSseFrames(response))
      .filter((frame) => frame.data != null)
      .slice(0, -1)
      .map((frame) => JSON.parse(frame.data!) as OpenAI.ChatCompletionChunk);
    const fragments = chunks.flatMap((chunk) => chunk.choices[0]?.delta.tool_calls ?? []);
    expect(fragments.every((fragment) => typeof fragment.index === 'number')).toBe(true);
    expect(fragments.filter((fragment) => fragment.id != null)).toEqual([
      { index: 0, id: 'toolu_x', type: 'function', function: { name: 'get_weather', arguments: '' } },
      { index: 1, id: 'toolu_y', type: 'function', function: { name: 'get_weather', arguments: '' } },
    ]);
    const argumentsOf = (index: number) =>
      fragments
        .filter((fragment) => fragment.index === index)
        .map((fragment) => fragment.function?.arguments ?? '')
        .join('');
    expect([argumentsOf(0), argumentsOf(1)]).toEqual(['{"city":"Lima"}', '{"city":"Quito"}']);
    expect(chunks.map((chunk) => chunk.choices[0]?.finish_reason).filter((reason) => reason != null)).toEqual(['tool_calls']);
    expect(proxy.upstream.modelRequests('marker-openai-parallel')).toHaveLength(1);
  });

  it('drives a real runTools() agent loop through several tool steps', async () => {
    proxy.upstream.when('marker-run-tools', { kind: 'message', content: [call('toolu_s1', 'Paris')] });
    proxy.upstream.when('weather-in-Paris', { kind: 'message', content: [{ type: 'text', text: 'Now Rome.' }, call('toolu_s2', 'Rome')] });
    proxy.upstream.when('weather-in-Rome', textReply('Paris and Rome are both fine.'));
    const ran: string[] = [];
    const runner = openai.chat.completions.runTools({
      model: 'sonnet',
      messages: [{ role: 'user', content: 'marker-run-tools compare Paris and Rome' }],
      tools: [
        {
          type: 'function',
          function: {
            name: 'get_weather',
            description: 'Current weather for a city',
            parameters: weatherSchema,
            parse: JSON.parse,
            function: ({ city }: { city: string }) => {
              ran.push(city);
              return `weather-in-${city}`;
            },
          },
        },
      ],
    });
    expect(await runner.finalContent()).toBe('Paris and Rome are both fine.');
    expect(ran).toEqual(['Paris', 'Rome']);
    expect(proxy.upstream.modelRequests('marker-run-tools')).toHaveLength(1);
    expect(proxy.upstream.modelRequests('weather-in-Paris')).toHaveLength(1);
    expect(proxy.upstream.modelRequests('weather-in-Rome')).toHaveLength(1);
    await expect.poll(() => busyCliProcesses(proxy)).toEqual([]);
  });

  it('returns one call with parallel_tool_calls false, and rejects non-function tools', async () => {
    proxy.upstream.when('marker-openai-single', { kind: 'message', content: [call('toolu_1', 'A'), call('toolu_2', 'B')] });
    const completion = await openai.chat.completions.create({
      model: 'sonnet',
      parallel_tool_calls: false,
      tools: [weatherFunction],
      messages: [{ role: 'user', content: 'marker-openai-single' }],
    });
    expect(completion.choices[0]!.message.tool_calls).toEqual([
      { id: 'toolu_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"A"}' } },
    ]);
    expect(completion.choices[0]!.finish_reason).toBe('tool_calls');
    const error = await openai.chat.completions
      .create({ model: 'sonnet', tools: [{ type: 'custom', custom: { name: 'free' } }] as never, messages: [{ role: 'user', content: 'x' }] })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
  });
});
