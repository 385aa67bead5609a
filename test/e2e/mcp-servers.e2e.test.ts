/**
 * MCP servers of the operator's registry (PROXY_MCP_CONFIG), run by the CLI: a real MCP server from npm
 * (@modelcontextprotocol/server-everything, stdio) runs the tool the model calls, and the client sees the call and its
 * result in its API's own shape, through the official SDKs. The client's own tools still go back to the client.
 */
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { busyCliProcesses, cliProcessesWithHome, processesWithVariable } from '../support/cli-processes.ts';
import { textReply } from '../support/fake-upstream.ts';
import { startHttpMcpServer, type HttpMcpServer } from '../support/start-http-mcp-server.ts';
import { anthropicFailure as failure } from '../support/anthropic-failure.ts';
import { startTestProxy, type TestProxy } from '../support/start-test-proxy.ts';

const EVERYTHING = createRequire(import.meta.url).resolve('@modelcontextprotocol/server-everything/dist/index.js');
/** Unique per run: the registry server's processes are found by it (processesWithVariable). */
const SECRET = `registry-secret-${process.pid}-${Date.now()}`;

const REMOTE_TOKEN = 'remote-mcp-token-7';

let proxy: TestProxy;
let anthropic: Anthropic;
let openai: OpenAI;
let remote: HttpMcpServer;

beforeAll(async () => {
  remote = await startHttpMcpServer(REMOTE_TOKEN);
  proxy = await startTestProxy({
    settings: {
      PROXY_MCP_ALLOWED_URLS: remote.url,
      PROXY_MCP_CONFIG: JSON.stringify({
        mcpServers: {
          everything: { command: process.execPath, args: [EVERYTHING, 'stdio'], env: { REGISTRY_TOKEN: SECRET } },
          second: { command: process.execPath, args: [EVERYTHING, 'stdio'] },
          broken: { command: '/nonexistent/mcp-server' },
        },
      }),
    },
  });
  anthropic = new Anthropic({ baseURL: proxy.url, apiKey: 'x', maxRetries: 0 });
  openai = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: 'x', maxRetries: 0 });
});
let closed = false;
afterAll(async () => {
  if (!closed) await proxy.close();
  await remote.close();
});

/**
 * A prompt with `marker` makes the model call `tool` of `server`; the request that carries the tool's result (its text
 * holds `resultMarker`) gets `answer`.
 */
function callThenAnswer(
  marker: string,
  resultMarker: string,
  call: { id: string; server: string; tool: string; input: Record<string, unknown> },
  answer: string,
): void {
  proxy.upstream.when(marker, {
    kind: 'message',
    content: [
      { type: 'text', text: 'Let me use the tool.' },
      { type: 'tool_use', id: call.id, name: `mcp__${call.server}__${call.tool}`, input: call.input },
    ],
    stopReason: 'tool_use',
  });
  proxy.upstream.when(resultMarker, textReply(answer));
}

/** A process's command line, empty if it ended meanwhile. */
function commandLineOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return '';
  }
}

describe('MCP servers on the Messages API', () => {
  it('runs the registry server named in metadata.mcp_servers: the model sees its tools, the CLI runs the call, the client gets mcp_tool_use and mcp_tool_result', async () => {
    callThenAnswer(
      'marker-mcp-echo',
      'Echo: echo-one',
      { id: 'toolu_echo1', server: 'everything', tool: 'echo', input: { message: 'echo-one' } },
      'The server echoed it.',
    );
    const message = await anthropic.messages.create({
      model: 'sonnet',
      max_tokens: 500,
      messages: [{ role: 'user', content: 'marker-mcp-echo please echo' }],
      metadata: { mcp_servers: ['everything'] } as Anthropic.Metadata,
    });
    expect(message.stop_reason).toBe('end_turn');
    expect(message.content).toEqual([
      { type: 'text', text: 'Let me use the tool.' },
      { type: 'mcp_tool_use', id: 'toolu_echo1', name: 'echo', server_name: 'everything', input: { message: 'echo-one' } },
      { type: 'mcp_tool_result', tool_use_id: 'toolu_echo1', is_error: false, content: [{ type: 'text', text: 'Echo: echo-one' }] },
      { type: 'text', text: 'The server echoed it.' },
    ]);
    const requests = proxy.upstream.modelRequests('marker-mcp-echo');
    expect(requests).toHaveLength(1);
    expect(proxy.upstream.modelRequests('Echo: echo-one')).toHaveLength(1);
    const tools = (requests[0]!.body.tools as { name: string }[]).map((tool) => tool.name);
    expect(tools).toContain('mcp__everything__echo');
    expect(tools.every((name) => name.startsWith('mcp__everything__'))).toBe(true);
    await expect.poll(() => busyCliProcesses(proxy)).toEqual([]);
  });

  it('streams the same message, accumulated by the SDK, and the follow-up replays the MCP exchange exactly as the model had it', async () => {
    callThenAnswer('marker-mcp-stream', '5555', { id: 'toolu_sum1', server: 'everything', tool: 'get-sum', input: { a: 1234, b: 4321 } }, 'It is 5555.');
    const messages: Anthropic.MessageParam[] = [{ role: 'user', content: 'marker-mcp-stream add 2 and 3' }];
    const first = await anthropic.messages
      .stream({ model: 'sonnet', max_tokens: 500, messages }, { headers: { 'x-mcp-servers': 'everything' } })
      .finalMessage();
    expect(first.content.map((block) => block.type)).toEqual(['text', 'mcp_tool_use', 'mcp_tool_result', 'text']);
    expect(first.content[1]).toMatchObject({ type: 'mcp_tool_use', name: 'get-sum', server_name: 'everything', input: { a: 1234, b: 4321 } });
    expect(JSON.stringify(first.content[2])).toContain('5555');
    const seen = proxy.upstream.modelRequests('5555')[0]!.body.messages;

    proxy.upstream.when('marker-mcp-follow', textReply('Follow-up answered.'));
    const second = await anthropic.messages.create(
      {
        model: 'sonnet',
        max_tokens: 500,
        messages: [...messages, { role: 'assistant', content: first.content as never }, { role: 'user', content: 'marker-mcp-follow thanks' }],
      },
      { headers: { 'x-mcp-servers': 'everything' } },
    );
    expect(second.content).toEqual([{ type: 'text', text: 'Follow-up answered.' }]);
    const replayed = proxy.upstream.modelRequests('marker-mcp-follow')[0]!.body.messages;
    const strip = (list: any[]) => JSON.parse(JSON.stringify(list, (key, value) => (key === 'cache_control' ? undefined : value)));
    // The first three messages as the model had them in the first turn: the prompt, the call, its result.
    expect(strip(replayed.slice(1, 3))).toEqual(strip(seen.slice(1, 3)));
    expect(replayed[3]).toMatchObject({ role: 'assistant', content: [{ type: 'text', text: 'It is 5555.' }] });
  });

  it('passes the registry env to the server, never on the command line', async () => {
    callThenAnswer('marker-mcp-env', SECRET, { id: 'toolu_env1', server: 'everything', tool: 'get-env', input: {} }, 'Seen.');
    const message = await anthropic.messages.create(
      { model: 'sonnet', max_tokens: 500, messages: [{ role: 'user', content: 'marker-mcp-env show env' }] },
      { headers: { 'x-mcp-servers': 'everything' } },
    );
    const result = message.content.find((block) => block.type === ('mcp_tool_result' as never));
    expect(JSON.stringify(result)).toContain(SECRET);
    expect(message.content.at(-1)).toEqual({ type: 'text', text: 'Seen.' });
    // The server runs (warm, for the next request with it), and its credentials are on no command line.
    if (proxy.config.warmPoolSize > 0) await expect.poll(() => processesWithVariable(`REGISTRY_TOKEN=${SECRET}`).length).toBeGreaterThan(0);
    for (const pid of [...cliProcessesWithHome(proxy.home), ...processesWithVariable(`REGISTRY_TOKEN=${SECRET}`)]) {
      expect(commandLineOf(pid)).not.toContain(SECRET);
    }
  });

  it('refuses an unknown server name with a 400 that lists the available ones', async () => {
    const error = await failure(
      anthropic.messages.create({
        model: 'sonnet',
        max_tokens: 50,
        messages: [{ role: 'user', content: 'hi' }],
        metadata: { mcp_servers: ['nope'] } as Anthropic.Metadata,
      }),
    );
    expect(error.status).toBe(400);
    expect((error.error as { error: { message: string } }).error.message).toBe('unknown MCP server "nope": available: everything, second, broken');
  });

  it('fails the turn with a 502 naming the server when the CLI cannot start it, before the model is asked', async () => {
    proxy.upstream.when('marker-mcp-broken', textReply('should not be needed'));
    const error = await failure(
      anthropic.messages.create(
        { model: 'sonnet', max_tokens: 50, messages: [{ role: 'user', content: 'marker-mcp-broken hi' }] },
        { headers: { 'x-mcp-servers': 'broken' } },
      ),
    );
    expect(error.status).toBe(502);
    expect((error.error as { error: { message: string } }).error.message).toContain('MCP server "broken" (failed) could not be started or reached');
    await expect.poll(() => busyCliProcesses(proxy)).toEqual([]);
  });

  it('refuses a client-defined server URL the operator did not allow', async () => {
    const error = await failure(
      anthropic.beta.messages.create({
        model: 'sonnet',
        max_tokens: 50,
        messages: [{ role: 'user', content: 'hi' }],
        mcp_servers: [{ type: 'url', url: 'http://127.0.0.1:9/mcp', name: 'mine' }],
      }),
    );
    expect(error.status).toBe(400);
    expect(error.message).toContain('not one this proxy may connect to');
  });
});

describe("MCP servers with the client's own tools", () => {
  const weather: Anthropic.Tool = {
    name: 'get_weather',
    description: 'Weather for a city',
    input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  };

  it('a call of a client tool after an MCP call still goes back to the client, and its result continues the conversation', async () => {
    callThenAnswer(
      'marker-mcp-mixed',
      'Echo: mixed-one',
      { id: 'toolu_mixed1', server: 'everything', tool: 'echo', input: { message: 'mixed-one' } },
      'unused',
    );
    proxy.upstream.when('Echo: mixed-one', {
      kind: 'message',
      content: [{ type: 'tool_use', id: 'toolu_weather1', name: 'mcp__t__get_weather', input: { city: 'Oslo' } }],
      stopReason: 'tool_use',
    });
    proxy.upstream.when('cold and clear', textReply('Oslo is cold and clear.'));
    const messages: Anthropic.MessageParam[] = [{ role: 'user', content: 'marker-mcp-mixed weather?' }];
    const headers = { 'x-mcp-servers': 'everything' };
    const first = await anthropic.messages.create({ model: 'sonnet', max_tokens: 500, tools: [weather], messages }, { headers });
    expect(first.stop_reason).toBe('tool_use');
    expect(first.content.map((block) => block.type)).toEqual(['text', 'mcp_tool_use', 'mcp_tool_result', 'tool_use']);
    expect(first.content[3]).toEqual({ type: 'tool_use', id: 'toolu_weather1', name: 'get_weather', input: { city: 'Oslo' } });
    await expect.poll(() => busyCliProcesses(proxy)).toEqual([]);

    const second = await anthropic.messages.create(
      {
        model: 'sonnet',
        max_tokens: 500,
        tools: [weather],
        messages: [
          ...messages,
          { role: 'assistant', content: first.content as never },
          { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_weather1', content: 'cold and clear' }] },
        ],
      },
      { headers },
    );
    expect(second.content).toEqual([{ type: 'text', text: 'Oslo is cold and clear.' }]);
    const seen = proxy.upstream.modelRequests('cold and clear')[0]!.body.messages.map((message: any) => ({
      role: message.role,
      types: message.content.map((block: any) => `${block.type}${block.name != null ? `:${block.name}` : ''}`),
    }));
    expect(seen.slice(1)).toEqual([
      { role: 'assistant', types: ['text', 'tool_use:mcp__everything__echo'] },
      { role: 'user', types: ['tool_result'] },
      { role: 'assistant', types: ['tool_use:mcp__t__get_weather'] },
      { role: 'user', types: ['tool_result'] },
    ]);
  });
});

describe("MCP servers with the client's own tools, in one message", () => {
  it('a message calling both: the client gets its call and the MCP call without a result; the follow-up leaves that unanswered call out', async () => {
    const weather: Anthropic.Tool = { name: 'get_weather', description: 'Weather', input_schema: { type: 'object', properties: { city: { type: 'string' } } } };
    proxy.upstream.when('marker-mcp-both', {
      kind: 'message',
      content: [
        { type: 'tool_use', id: 'toolu_bothw', name: 'mcp__t__get_weather', input: { city: 'Rome' } },
        { type: 'tool_use', id: 'toolu_bothe', name: 'mcp__everything__echo', input: { message: 'both' } },
      ],
      stopReason: 'tool_use',
    });
    proxy.upstream.when('sunny in rome', textReply('Rome is sunny.'));
    const headers = { 'x-mcp-servers': 'everything' };
    const messages: Anthropic.MessageParam[] = [{ role: 'user', content: 'marker-mcp-both go' }];
    const first = await anthropic.messages.create({ model: 'sonnet', max_tokens: 500, tools: [weather], messages }, { headers });
    expect(first.stop_reason).toBe('tool_use');
    // The CLI runs the MCP call once the client's call is answered (2.1.332), or at once (2.1.197, sometimes before the
    // message ends): its result is there only in the second case.
    expect(first.content.slice(0, 2)).toEqual([
      { type: 'tool_use', id: 'toolu_bothw', name: 'get_weather', input: { city: 'Rome' } },
      { type: 'mcp_tool_use', id: 'toolu_bothe', name: 'echo', server_name: 'everything', input: { message: 'both' } },
    ]);
    const answered = first.content.some((block) => block.type === ('mcp_tool_result' as never));
    await expect.poll(() => busyCliProcesses(proxy)).toEqual([]);
    const second = await anthropic.messages.create(
      {
        model: 'sonnet',
        max_tokens: 500,
        tools: [weather],
        messages: [
          ...messages,
          { role: 'assistant', content: first.content as never },
          { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_bothw', content: 'sunny in rome' }] },
        ],
      },
      { headers },
    );
    expect(second.content).toEqual([{ type: 'text', text: 'Rome is sunny.' }]);
    const replayed = proxy.upstream.modelRequests('sunny in rome')[0]!.body.messages;
    // An MCP call without its result is left out of the replay; one with it is replayed as the model had it.
    expect(replayed[1].content.map((block: any) => block.id)).toEqual(answered ? ['toolu_bothw', 'toolu_bothe'] : ['toolu_bothw']);
  });
});

describe('MCP servers a client defines by URL', () => {
  it("connects to a URL the operator allows, with the client's token", async () => {
    callThenAnswer(
      'marker-mcp-remote',
      'Echo: remote-one',
      { id: 'toolu_remote1', server: 'remote', tool: 'echo', input: { message: 'remote-one' } },
      'Remote done.',
    );
    const message = await anthropic.beta.messages.create({
      model: 'sonnet',
      max_tokens: 500,
      messages: [{ role: 'user', content: 'marker-mcp-remote go' }],
      mcp_servers: [{ type: 'url', url: remote.url, name: 'remote', authorization_token: REMOTE_TOKEN }],
      betas: ['mcp-client-2025-04-04'],
    });
    expect(message.content).toEqual([
      { type: 'text', text: 'Let me use the tool.' },
      { type: 'mcp_tool_use', id: 'toolu_remote1', name: 'echo', server_name: 'remote', input: { message: 'remote-one' } },
      { type: 'mcp_tool_result', tool_use_id: 'toolu_remote1', is_error: false, content: [{ type: 'text', text: 'Echo: remote-one' }] },
      { type: 'text', text: 'Remote done.' },
    ]);
    expect(remote.refused).toBe(0);
  });
});

describe('MCP servers on the OpenAI APIs', () => {
  it('Chat Completions: x-mcp-servers runs the server, and the client gets the final answer', async () => {
    callThenAnswer(
      'marker-mcp-chat',
      'Echo: from-chat',
      { id: 'toolu_chat1', server: 'second', tool: 'echo', input: { message: 'from-chat' } },
      'Chat final answer.',
    );
    const completion = await openai.chat.completions.create(
      { model: 'sonnet', messages: [{ role: 'user', content: 'marker-mcp-chat go' }] },
      { headers: { 'x-mcp-servers': 'second' } },
    );
    expect(completion.choices[0]!.message.content).toContain('Chat final answer.');
    expect(completion.choices[0]!.message.tool_calls ?? []).toEqual([]);
    expect(completion.choices[0]!.finish_reason).toBe('stop');
    expect(proxy.upstream.modelRequests('Echo: from-chat')).toHaveLength(1);
  });

  it('Responses: an mcp tool with a registry server_label runs it; the output has mcp_call with the result', async () => {
    callThenAnswer(
      'marker-mcp-responses',
      'Echo: via-responses',
      { id: 'toolu_resp1', server: 'everything', tool: 'echo', input: { message: 'via-responses' } },
      'Responses final.',
    );
    const response = await openai.responses.create({
      model: 'sonnet',
      input: 'marker-mcp-responses go',
      tools: [{ type: 'mcp', server_label: 'everything', require_approval: 'never' }],
    });
    const call = response.output.find((item) => item.type === 'mcp_call');
    expect(call).toMatchObject({
      type: 'mcp_call',
      server_label: 'everything',
      name: 'echo',
      arguments: JSON.stringify({ message: 'via-responses' }),
      output: 'Echo: via-responses',
    });
    expect(response.output_text).toContain('Responses final.');
  });

  it("Responses, streamed: the SDK's accumulated response has the mcp_call; sent back as input, the model sees the same exchange", async () => {
    callThenAnswer(
      'marker-mcp-rstream',
      'Echo: rstream',
      { id: 'toolu_rstream1', server: 'everything', tool: 'echo', input: { message: 'rstream' } },
      'Streamed final.',
    );
    const tools: OpenAI.Responses.Tool[] = [{ type: 'mcp', server_label: 'everything', require_approval: 'never' }];
    const input: OpenAI.Responses.ResponseInputItem[] = [{ role: 'user', content: 'marker-mcp-rstream go' }];
    const streamed = await openai.responses.stream({ model: 'sonnet', input, tools }).finalResponse();
    const call = streamed.output.find((item) => item.type === 'mcp_call');
    expect(call).toMatchObject({ id: 'mcp_toolu_rstream1', status: 'completed', name: 'echo', output: 'Echo: rstream' });
    expect(streamed.output_text).toContain('Streamed final.');
    const seen = proxy.upstream.modelRequests('Echo: rstream')[0]!.body.messages;

    proxy.upstream.when('marker-mcp-rnext', textReply('Next answered.'));
    const next = await openai.responses.create({
      model: 'sonnet',
      tools,
      input: [...input, ...(streamed.output as OpenAI.Responses.ResponseInputItem[]), { role: 'user', content: 'marker-mcp-rnext more' }],
    });
    expect(next.output_text).toBe('Next answered.');
    const replayed = proxy.upstream.modelRequests('marker-mcp-rnext')[0]!.body.messages;
    const strip = (list: any[]) => JSON.parse(JSON.stringify(list, (key, value) => (key === 'cache_control' ? undefined : value)));
    expect(strip(replayed.slice(1, 3))).toEqual(strip(seen.slice(1, 3)));
    await expect.poll(() => busyCliProcesses(proxy)).toEqual([]);
  });
});

describe('shutdown', () => {
  it('leaves no MCP server running once the proxy has closed: they end with their CLI', async () => {
    // A warm process for the last server set holds one (none without a pool).
    if (proxy.config.warmPoolSize > 0) await expect.poll(() => processesWithVariable(`REGISTRY_TOKEN=${SECRET}`).length).toBeGreaterThan(0);
    closed = true;
    await proxy.close();
    await expect.poll(() => processesWithVariable(`REGISTRY_TOKEN=${SECRET}`)).toEqual([]);
  });
});
