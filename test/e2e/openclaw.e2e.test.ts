/**
 * OpenClaw unchanged: its model library, pi-ai (`@mariozechner/pi-ai`, pinned devDependency), with a custom model of
 * api "openai-completions" whose baseUrl is the proxy, → POST /v1/chat/completions → real `claude` CLI → fake
 * upstream. pi-ai always streams, asks for the usage chunk, sends `store: false`, its system prompt as a developer
 * message for reasoning models, tool results as `tool` messages, a tool's image in a following user message, and
 * `tools: []` once it offers no tool but the history has calls. (OpenClaw itself needs Node ≥ 24.16; pi-ai is what
 * talks to the provider.) The fake upstream records what the model saw; pi-ai's results are what OpenClaw gets.
 */
import {
  complete,
  completeSimple,
  stream,
  type AssistantMessage,
  type Context,
  type Model,
  type Tool,
  type ToolCall,
  type UserMessage,
} from '@mariozechner/pi-ai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorReply, textReply, withoutCliAdditions, withToolResultsAsBlocks } from '../support/fake-upstream.ts';
import { startTestProxy, type TestProxy } from '../support/start-test-proxy.ts';

const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';
const SYSTEM_PROMPT = 'You are OpenClaw, a personal assistant. Use tools when they help.';
const API_KEY = 'unused';

let proxy: TestProxy;

beforeAll(async () => {
  proxy = await startTestProxy();
});
afterAll(async () => proxy?.close());

/** A model as an OpenClaw user would declare it for a custom OpenAI-compatible provider. */
function proxyModel(url: string, overrides: Partial<Model<'openai-completions'>> = {}): Model<'openai-completions'> {
  return {
    id: 'sonnet',
    name: 'Claude Sonnet (claude-cli-proxy)',
    api: 'openai-completions',
    provider: 'claude-cli-proxy',
    baseUrl: `${url}/v1`,
    reasoning: false,
    input: ['text', 'image'],
    cost: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 },
    contextWindow: 200_000,
    maxTokens: 32_000,
    ...overrides,
  };
}

const execSchema = { type: 'object', properties: { command: { type: 'string', description: 'Shell command' } }, required: ['command'] };
/** pi-ai's tools carry TypeBox schemas, which are plain JSON schemas at run time. */
const tool = (name: string, description: string, parameters: Record<string, unknown>): Tool => ({ name, description, parameters: parameters as never });
const execTool = tool('exec', 'Run a shell command', execSchema);
const browserTool = tool('browser', 'Control the browser', { type: 'object', properties: { action: { type: 'string' } }, required: ['action'] });

const user = (content: UserMessage['content']): UserMessage => ({ role: 'user', content, timestamp: Date.now() });

function toolResult(call: ToolCall, content: Array<{ type: 'text'; text: string } | { type: 'image'; data: string; mimeType: string }>) {
  return { role: 'toolResult' as const, toolCallId: call.id, toolName: call.name, content, isError: false, timestamp: Date.now() };
}

/** The tool calls of an answer. */
const callsOf = (message: AssistantMessage): ToolCall[] => message.content.filter((block): block is ToolCall => block.type === 'toolCall');
const textOf = (message: AssistantMessage): string => message.content.flatMap((block) => (block.type === 'text' ? [block.text] : [])).join('');
const systemText = (body: any): string => (body.system as Array<{ text: string }>).map((block) => block.text).join('\n');

/** The single model request whose last user message contains `marker`. */
function upstreamRequest(marker: string): any {
  const requests = proxy.upstream.modelRequests(marker);
  expect(requests).toHaveLength(1);
  return requests[0]!.body;
}

describe('pi-ai (OpenClaw) through Chat Completions', () => {
  it('runs a tool loop: the call streams to pi-ai with its arguments, the result goes back, the final answer comes with usage', async () => {
    proxy.upstream.when('marker-openclaw-loop', {
      kind: 'message',
      content: [
        { type: 'text', text: 'Let me look.' },
        { type: 'tool_use', id: 'toolu_oc_ls', name: 'mcp__t__exec', input: { command: 'ls -1' } },
      ],
      usage: { input_tokens: 40, output_tokens: 9, cache_read_input_tokens: 10 },
    });
    proxy.upstream.when(
      'result-openclaw-todo.md',
      textReply('There are two files: notes.txt and todo.md.', { usage: { input_tokens: 60, output_tokens: 12 } }),
    );
    const model = proxyModel(proxy.url);
    const context: Context = { systemPrompt: SYSTEM_PROMPT, messages: [user('marker-openclaw-loop Which files are here?')], tools: [execTool] };

    // Streamed as OpenClaw consumes it: the tool call arrives as toolcall events, then done with reason toolUse.
    const events = stream(model, context, { apiKey: API_KEY, maxRetries: 0 });
    const kinds: string[] = [];
    for await (const event of events) kinds.push(event.type);
    const first = await events.result();
    expect(first.errorMessage).toBeUndefined();
    expect(kinds).toEqual(expect.arrayContaining(['start', 'text_delta', 'toolcall_start', 'toolcall_delta', 'toolcall_end', 'done']));
    expect(first.stopReason).toBe('toolUse');
    expect(textOf(first)).toBe('Let me look.');
    expect(callsOf(first)).toEqual([{ type: 'toolCall', id: 'toolu_oc_ls', name: 'exec', arguments: { command: 'ls -1' } }]);
    expect(first.usage).toMatchObject({ input: 40, cacheRead: 10, cacheWrite: 0, output: 9, totalTokens: 59 });

    const firstBody = upstreamRequest('marker-openclaw-loop');
    expect(systemText(firstBody)).toContain(SYSTEM_PROMPT);
    expect(firstBody.tools).toEqual([{ name: 'mcp__t__exec', description: 'Run a shell command', input_schema: execSchema }]);

    context.messages.push(first, toolResult(callsOf(first)[0]!, [{ type: 'text', text: 'notes.txt\nresult-openclaw-todo.md' }]));
    const second = await complete(model, context, { apiKey: API_KEY, maxRetries: 0 });
    expect(second.errorMessage).toBeUndefined();
    expect(second.stopReason).toBe('stop');
    expect(textOf(second)).toBe('There are two files: notes.txt and todo.md.');
    expect(callsOf(second)).toEqual([]);
    expect(second.usage).toMatchObject({ input: 60, output: 12, totalTokens: 72 });

    // The model saw its own call (under the name it was shown) and the result, after the same system prompt.
    const secondBody = upstreamRequest('result-openclaw-todo.md');
    expect(systemText(secondBody)).toContain(SYSTEM_PROMPT);
    expect(withToolResultsAsBlocks(withoutCliAdditions(secondBody.messages))).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'marker-openclaw-loop Which files are here?' }] },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Let me look.' },
          { type: 'tool_use', id: 'toolu_oc_ls', name: 'mcp__t__exec', input: { command: 'ls -1' } },
        ],
      },
      {
        role: 'user',
        content: [{ type: 'tool_result', tool_use_id: 'toolu_oc_ls', content: [{ type: 'text', text: 'notes.txt\nresult-openclaw-todo.md' }] }],
      },
    ]);

    // A follow-up without tools (pi-ai then sends `tools: []` because the history has calls): the history still
    // replays exactly, with the client's own tool name, and the model is shown no tools.
    context.messages.push(second, user('marker-openclaw-no-tools Summarise what you did.'));
    proxy.upstream.when('marker-openclaw-no-tools', textReply('I listed the files.'));
    const summary = await complete(model, { ...context, tools: [] }, { apiKey: API_KEY, maxRetries: 0 });
    expect(summary.errorMessage).toBeUndefined();
    expect(textOf(summary)).toBe('I listed the files.');
    const summaryBody = upstreamRequest('marker-openclaw-no-tools');
    expect(summaryBody.tools ?? []).toEqual([]);
    expect(withToolResultsAsBlocks(withoutCliAdditions(summaryBody.messages))).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'marker-openclaw-loop Which files are here?' }] },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Let me look.' },
          { type: 'tool_use', id: 'toolu_oc_ls', name: 'exec', input: { command: 'ls -1' } },
        ],
      },
      {
        role: 'user',
        content: [{ type: 'tool_result', tool_use_id: 'toolu_oc_ls', content: [{ type: 'text', text: 'notes.txt\nresult-openclaw-todo.md' }] }],
      },
      { role: 'assistant', content: [{ type: 'text', text: 'There are two files: notes.txt and todo.md.' }] },
      { role: 'user', content: [{ type: 'text', text: 'marker-openclaw-no-tools Summarise what you did.' }] },
    ]);
  });

  it('shows the model an image a tool returned, which pi-ai sends in a user message after the tool result', async () => {
    proxy.upstream.when('marker-openclaw-screenshot', {
      kind: 'message',
      content: [{ type: 'tool_use', id: 'toolu_oc_shot', name: 'mcp__t__browser', input: { action: 'screenshot' } }],
    });
    proxy.upstream.when('Attached image(s) from tool result:', textReply('The page shows a red square.'));
    const model = proxyModel(proxy.url);
    const context: Context = { systemPrompt: SYSTEM_PROMPT, messages: [user('marker-openclaw-screenshot What is on the page?')], tools: [browserTool] };

    const first = await complete(model, context, { apiKey: API_KEY, maxRetries: 0 });
    expect(first.errorMessage).toBeUndefined();
    expect(callsOf(first)).toEqual([{ type: 'toolCall', id: 'toolu_oc_shot', name: 'browser', arguments: { action: 'screenshot' } }]);

    context.messages.push(first, toolResult(callsOf(first)[0]!, [{ type: 'image', data: PNG, mimeType: 'image/png' }]));
    const second = await complete(model, context, { apiKey: API_KEY, maxRetries: 0 });
    expect(second.errorMessage).toBeUndefined();
    expect(textOf(second)).toBe('The page shows a red square.');

    const body = upstreamRequest('Attached image(s) from tool result:');
    expect(withToolResultsAsBlocks(withoutCliAdditions(body.messages)).at(-1)).toEqual({
      role: 'user',
      content: [
        { type: 'tool_result', tool_use_id: 'toolu_oc_shot', content: [{ type: 'text', text: '(see attached image)' }] },
        { type: 'text', text: 'Attached image(s) from tool result:' },
        { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG } },
      ],
    });
  });

  it('serves a reasoning model: the system prompt as a developer message, reasoning_effort as adaptive thinking, the thinking back to pi-ai', async () => {
    proxy.upstream.when('marker-openclaw-reasoning', {
      kind: 'message',
      content: [
        { type: 'thinking', thinking: 'The user wants a haiku.', signature: 'sig-openclaw' },
        { type: 'text', text: 'Autumn moonlight.' },
      ],
    });
    const model = proxyModel(proxy.url, { reasoning: true });
    const sent: any[] = [];
    // OpenClaw's thinking level goes through pi-ai's simple API, which also sets max_tokens from the model.
    const answer = await completeSimple(
      model,
      { systemPrompt: SYSTEM_PROMPT, messages: [user('marker-openclaw-reasoning Write a haiku.')] },
      { apiKey: API_KEY, maxRetries: 0, reasoning: 'high', onPayload: (payload) => void sent.push(payload) },
    );
    expect(answer.errorMessage).toBeUndefined();
    // What pi-ai sent: the shapes this case is about.
    expect(sent[0]).toMatchObject({
      messages: [{ role: 'developer', content: SYSTEM_PROMPT }, { role: 'user' }],
      reasoning_effort: 'high',
      max_completion_tokens: 32_000,
      stream: true,
      stream_options: { include_usage: true },
      store: false,
    });
    expect(answer.content).toEqual([
      { type: 'thinking', thinking: 'The user wants a haiku.', thinkingSignature: 'reasoning_content' },
      { type: 'text', text: 'Autumn moonlight.' },
    ]);
    expect(answer.stopReason).toBe('stop');
    const body = upstreamRequest('marker-openclaw-reasoning');
    expect(systemText(body)).toContain(SYSTEM_PROMPT);
    expect({ thinking: body.thinking, effort: body.output_config?.effort, maxTokens: body.max_tokens }).toEqual({
      thinking: { type: 'adaptive' },
      effort: 'high',
      maxTokens: 32_000,
    });
  });

  it('tells pi-ai, as a billing error, that the upstream refused the request as third-party app usage', async () => {
    const refusal = 'Third-party apps now draw from your extra usage, not your plan limits. Add more at claude.ai/settings/usage and keep going.';
    proxy.upstream.when('marker-openclaw-extra-usage', errorReply(400, 'invalid_request_error', refusal));
    const answer = await complete(
      proxyModel(proxy.url),
      { systemPrompt: SYSTEM_PROMPT, messages: [user('marker-openclaw-extra-usage hi')] },
      { apiKey: API_KEY, maxRetries: 0 },
    );
    expect(answer.stopReason).toBe('error');
    // The OpenAI SDK under pi-ai puts the status before the message; the CLI gave the upstream message as is.
    expect(answer.errorMessage).toBe(
      '402 The upstream API refused this request as third-party app usage: it draws from the extra usage of the account ' +
        "the proxy's Claude Code CLI is logged in with, not from the plan limits of its Claude subscription. Extra usage " +
        `can be added at claude.ai/settings/usage. Upstream said: ${refusal}`,
    );

    // The same refusal in the other APIs' shapes.
    const messages = await fetch(`${proxy.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ model: 'sonnet', max_tokens: 10, messages: [{ role: 'user', content: 'marker-openclaw-extra-usage again' }] }),
    });
    expect(messages.status).toBe(402);
    expect(await messages.json()).toMatchObject({ type: 'error', error: { type: 'billing_error', message: expect.stringContaining(refusal) } });
    const responses = await fetch(`${proxy.url}/v1/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'sonnet', input: 'marker-openclaw-extra-usage once more' }),
    });
    expect(responses.status).toBe(402);
    expect(await responses.json()).toMatchObject({
      error: { type: 'insufficient_quota', code: 'insufficient_quota', message: expect.stringContaining(refusal) },
    });
  });
});

describe('pi-ai (OpenClaw) with OPENCLAW_TOOL_MAPPING and OPENCLAW_PROMPT_FILTER', () => {
  let mapped: TestProxy;

  beforeAll(async () => {
    mapped = await startTestProxy({ settings: { OPENCLAW_TOOL_MAPPING: 'true', OPENCLAW_PROMPT_FILTER: 'true' } });
  });
  afterAll(async () => mapped?.close());

  it('shows the model Bash and no tool sections in the prompt, and gives pi-ai its exec call back', async () => {
    mapped.upstream.when('marker-openclaw-mapped', {
      kind: 'message',
      content: [{ type: 'tool_use', id: 'toolu_oc_map', name: 'mcp__t__Bash', input: { command: 'date' } }],
    });
    mapped.upstream.when('result-openclaw-date', textReply('It is Monday.'));
    const memoryTool = tool('memory_search', 'Search the memory', { type: 'object', properties: { query: { type: 'string' } } });
    const systemPrompt = `${SYSTEM_PROMPT}\n\n<available_skills>\n<skill><name>weather</name></skill>\n</available_skills>\n\nBe brief.`;
    const model = proxyModel(mapped.url);
    const context: Context = { systemPrompt, messages: [user('marker-openclaw-mapped What day is it?')], tools: [execTool, memoryTool] };

    const first = await complete(model, context, { apiKey: API_KEY, maxRetries: 0 });
    expect(first.errorMessage).toBeUndefined();
    expect(callsOf(first)).toEqual([{ type: 'toolCall', id: 'toolu_oc_map', name: 'exec', arguments: { command: 'date' } }]);
    const [firstRequest] = mapped.upstream.modelRequests('marker-openclaw-mapped');
    expect(firstRequest!.body.tools.map((each: { name: string }) => each.name)).toEqual(['mcp__t__Bash', 'mcp__t__memory_search']);
    expect(systemText(firstRequest!.body)).toContain(`${SYSTEM_PROMPT}\n\nBe brief.`);
    expect(systemText(firstRequest!.body)).not.toContain('available_skills');

    context.messages.push(first, toolResult(callsOf(first)[0]!, [{ type: 'text', text: 'result-openclaw-date Monday' }]));
    const second = await complete(model, context, { apiKey: API_KEY, maxRetries: 0 });
    expect(second.errorMessage).toBeUndefined();
    expect(textOf(second)).toBe('It is Monday.');
    // The history shows the model the call under the name it made it with.
    const [secondRequest] = mapped.upstream.modelRequests('result-openclaw-date');
    expect(withoutCliAdditions(secondRequest!.body.messages)[1]).toEqual({
      role: 'assistant',
      content: [{ type: 'tool_use', id: 'toolu_oc_map', name: 'mcp__t__Bash', input: { command: 'date' } }],
    });
  });

  it('maps the names on the other APIs too, in a non-streaming answer (here the Messages API)', async () => {
    mapped.upstream.when('marker-openclaw-mapped-messages', {
      kind: 'message',
      content: [{ type: 'tool_use', id: 'toolu_oc_msg', name: 'mcp__t__Read', input: { path: 'notes.txt' } }],
    });
    const response = await fetch(`${mapped.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({
        model: 'sonnet',
        max_tokens: 100,
        tools: [{ name: 'read', description: 'Read a file', input_schema: { type: 'object', properties: { path: { type: 'string' } } } }],
        messages: [{ role: 'user', content: 'marker-openclaw-mapped-messages show notes.txt' }],
      }),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      stop_reason: 'tool_use',
      content: [{ type: 'tool_use', id: 'toolu_oc_msg', name: 'read', input: { path: 'notes.txt' } }],
    });
    const [request] = mapped.upstream.modelRequests('marker-openclaw-mapped-messages');
    expect(request!.body.tools.map((each: { name: string }) => each.name)).toEqual(['mcp__t__Read']);
  });
});
