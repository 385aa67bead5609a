/**
 * The OpenAI Agents SDK (`@openai/agents`, pinned devDependency) unchanged: an Agent with one function tool, run with
 * `run()` on the SDK's default Responses model → recording forwarder → proxy's POST /v1/responses → real `claude` CLI
 * → fake upstream. The SDK runs the tool itself and sends its output back; tracing is off, so nothing leaves loopback.
 */
import { createRequire } from 'node:module';
import { Agent, run, setDefaultOpenAIClient, setTracingDisabled, tool, type OpenAIClient } from '@openai/agents';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { textReply, withToolResultsAsBlocks } from '../support/fake-upstream.ts';
import { RecordingForwarder } from '../support/recording-forwarder.ts';
import { startTestProxy, type TestProxy } from '../support/start-test-proxy.ts';

let proxy: TestProxy;
let forwarder: RecordingForwarder;

/**
 * The `openai` client class the SDK itself depends on (v7), as an application using the SDK would construct it:
 * the repository's own `openai` devDependency is v6, for the other tests.
 */
function agentsOpenAIClass(): new (options: { baseURL: string; apiKey: string; maxRetries: number }) => OpenAIClient {
  const agentsEntry = createRequire(import.meta.url).resolve('@openai/agents');
  const agentsOpenAIEntry = createRequire(agentsEntry).resolve('@openai/agents-openai');
  return createRequire(agentsOpenAIEntry)('openai').OpenAI;
}

beforeAll(async () => {
  proxy = await startTestProxy();
  forwarder = new RecordingForwarder(proxy.url);
  const url = await forwarder.start();
  setTracingDisabled(true);
  const OpenAI = agentsOpenAIClass();
  setDefaultOpenAIClient(new OpenAI({ baseURL: `${url}/v1`, apiKey: 'unused', maxRetries: 0 }));
});
afterAll(async () => {
  await forwarder?.stop();
  await proxy?.close();
});

function weatherAgent(ran: string[]) {
  const getWeather = tool({
    name: 'get_weather',
    description: 'Current weather for a city',
    parameters: z.object({ city: z.string() }),
    execute: async ({ city }) => {
      ran.push(city);
      return `agents-weather-${city}: sunny, 21C`;
    },
  });
  return new Agent({
    name: 'Weather agent',
    instructions: 'You answer weather questions with the get_weather tool.',
    model: 'claude-sonnet-4-6',
    tools: [getWeather],
  });
}

/** What the SDK sent to POST /v1/responses for a run whose user input contains `marker`. */
function sdkRequests(marker: string) {
  return forwarder.exchangesFor('/v1/responses').filter((exchange) => JSON.stringify(exchange.requestBody?.input ?? '').includes(marker));
}

/** The model's second request: its own call and the tool's result as the last two turns. */
function expectToolTurns(resultMarker: string, city: string) {
  const followUps = proxy.upstream.modelRequests(resultMarker);
  expect(followUps).toHaveLength(1);
  const messages = followUps[0]!.body.messages as Array<{ role: string; content: Array<Record<string, unknown>> }>;
  const toolUse = messages.at(-2)!.content.find((block) => block.type === 'tool_use');
  expect(messages.at(-2)!.role).toBe('assistant');
  expect(toolUse).toMatchObject({ name: 'mcp__t__get_weather', input: { city } });
  expect(withToolResultsAsBlocks([messages.at(-1)])[0]).toMatchObject({
    role: 'user',
    content: [{ type: 'tool_result', tool_use_id: toolUse!.id, content: [{ type: 'text', text: `agents-weather-${city}: sunny, 21C` }] }],
  });
}

describe('OpenAI Agents SDK through the proxy', () => {
  it('runs an agent with a function tool: the model calls it, the SDK runs it and the model answers from its result', async () => {
    proxy.upstream.when('marker-agents-run', {
      kind: 'message',
      content: [
        { type: 'text', text: 'Let me check.' },
        { type: 'tool_use', id: 'toolu_agents1', name: 'mcp__t__get_weather', input: { city: 'Paris' } },
      ],
    });
    proxy.upstream.when('agents-weather-Paris', textReply('Paris is sunny, 21C.'));
    const ran: string[] = [];
    const result = await run(weatherAgent(ran), 'marker-agents-run What is the weather in Paris?');
    expect(ran).toEqual(['Paris']);
    expect(result.finalOutput).toBe('Paris is sunny, 21C.');
    expect(result.lastResponseId).toMatch(/^resp_/);
    // The second turn continued on the process that made the call (held tool calls, ADR 0017).
    await expect.poll(() => proxy.reports.at(-1)?.processKind).toBe('held');

    // The SDK sent two plain (non-streaming) requests, both answered 200.
    const sent = sdkRequests('marker-agents-run');
    expect(sent.map((exchange) => [exchange.requestBody.stream, exchange.status])).toEqual([
      [false, 200],
      [false, 200],
    ]);
    expect(sent[1]!.requestBody.input).toMatchObject([
      { role: 'user', content: 'marker-agents-run What is the weather in Paris?' },
      { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Let me check.' }] },
      { type: 'function_call', call_id: 'toolu_agents1', name: 'get_weather', arguments: '{"city":"Paris"}' },
      { type: 'function_call_output', call_id: 'toolu_agents1', output: 'agents-weather-Paris: sunny, 21C' },
    ]);

    // The model saw the agent's instructions and its tool with the SDK's schema, then its call and the result.
    const first = proxy.upstream.modelRequests('marker-agents-run');
    expect(first).toHaveLength(1);
    expect(first[0]!.body.system.map((block: { text: string }) => block.text)).toContain('You answer weather questions with the get_weather tool.');
    expect(first[0]!.body.tools).toMatchObject([
      {
        name: 'mcp__t__get_weather',
        description: 'Current weather for a city',
        input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
      },
    ]);
    expectToolTurns('agents-weather-Paris', 'Paris');
    expect(proxy.upstream.modelRequests('agents-weather-Paris')[0]!.body.messages.at(-2).content).toMatchObject([
      { type: 'text', text: 'Let me check.' },
      { type: 'tool_use', id: 'toolu_agents1' },
    ]);
  });

  it('runs the same agent streaming: text deltas through toTextStream(), the same tool round trip and final output', async () => {
    proxy.upstream.when('marker-agents-stream', {
      kind: 'message',
      content: [{ type: 'tool_use', id: 'toolu_agents2', name: 'mcp__t__get_weather', input: { city: 'Rome' } }],
    });
    proxy.upstream.when('agents-weather-Rome', textReply('Rome is sunny, 21C.', { chunks: ['Rome is', ' sunny,', ' 21C.'] }));
    const ran: string[] = [];
    const result = await run(weatherAgent(ran), 'marker-agents-stream What is the weather in Rome?', { stream: true });
    const chunks: string[] = [];
    for await (const chunk of result.toTextStream()) chunks.push(chunk);
    await result.completed;
    expect(result.error).toBeNull();
    expect(ran).toEqual(['Rome']);
    expect(chunks.join('')).toBe('Rome is sunny, 21C.');
    expect(chunks.length).toBeGreaterThan(1);
    expect(result.finalOutput).toBe('Rome is sunny, 21C.');

    const sent = sdkRequests('marker-agents-stream');
    expect(sent.map((exchange) => [exchange.requestBody.stream, exchange.status, exchange.responseHeaders?.['content-type']])).toEqual([
      [true, 200, expect.stringMatching(/^text\/event-stream/)],
      [true, 200, expect.stringMatching(/^text\/event-stream/)],
    ]);
    expect(sent[1]!.requestBody.input).toMatchObject([
      { role: 'user', content: 'marker-agents-stream What is the weather in Rome?' },
      { type: 'function_call', call_id: 'toolu_agents2', name: 'get_weather', arguments: '{"city":"Rome"}' },
      { type: 'function_call_output', call_id: 'toolu_agents2', output: 'agents-weather-Rome: sunny, 21C' },
    ]);
    expect(proxy.upstream.modelRequests('marker-agents-stream')).toHaveLength(1);
    expectToolTurns('agents-weather-Rome', 'Rome');
  });
});
