import { plainTurnRequest, type ConversationMessage as MessageParam, type TurnRequest } from '../core/turn-request.ts';
import { describe, expect, it } from 'vitest';

import { buildCliEnvironment, buildCliInvocation, cliUserContent, SLASH_COMMAND_GUARD, type InvocationSettings } from './build-cli-invocation.ts';

const PROMPT_MARKER = 'PROMPT-MARKER-7f3a';
const SYSTEM_MARKER = 'SYSTEM-MARKER-91bc';

function turn(overrides: Partial<TurnRequest> = {}): TurnRequest {
  return plainTurnRequest('claude-sonnet-4-6', {
    system: [`You are ${SYSTEM_MARKER}.`, 'Be brief.'],
    messages: [{ role: 'user', content: `hello ${PROMPT_MARKER}` }],
    ...overrides,
  });
}

const SETTINGS: InvocationSettings = {
  claudePath: '/opt/claude/bin/claude',
  cwd: '/tmp/claude-cli-proxy-1000/work',
  environment: { PATH: '/usr/bin', HOME: '/home/proxy' },
  newId: () => 'id',
};

function build(request: TurnRequest = turn(), settings: Partial<InvocationSettings> = {}) {
  const invocation = buildCliInvocation(request, { ...SETTINGS, ...settings });
  return { ...invocation, stdinLines: invocation.stdinSteps.map((step) => step.line) };
}

/** The value following `flag` in argv. */
function flagValue(args: readonly string[], flag: string): string | undefined {
  const index = args.indexOf(flag);
  return index >= 0 ? args[index + 1] : undefined;
}

describe('buildCliInvocation arguments', () => {
  it('runs the configured CLI in the configured directory', () => {
    const invocation = build();
    expect(invocation.command).toBe('/opt/claude/bin/claude');
    expect(invocation.cwd).toBe('/tmp/claude-cli-proxy-1000/work');
  });

  it('passes the minimal-pollution flags with stream-json in and out', () => {
    const { args } = build();
    expect(args[0]).toBe('-p');
    expect(flagValue(args, '--input-format')).toBe('stream-json');
    expect(flagValue(args, '--output-format')).toBe('stream-json');
    expect(args).toContain('--verbose');
    expect(args).toContain('--include-partial-messages');
    expect(flagValue(args, '--system-prompt')).toBe('');
    expect(flagValue(args, '--tools')).toBe('');
    expect(flagValue(args, '--setting-sources')).toBe('');
    expect(args).toContain('--strict-mcp-config');
    expect(args).toContain('--no-session-persistence');
    expect(flagValue(args, '--model')).toBe('claude-sonnet-4-6');
  });

  it.each([
    [{ type: 'disabled' } as const, ['--thinking', 'disabled']],
    [{ type: 'enabled', budgetTokens: 2048 } as const, ['--max-thinking-tokens', '2048']],
    [{ type: 'adaptive' } as const, ['--thinking', 'enabled']],
  ])('sets thinking %j with %j', (thinking, expected) => {
    const { args } = build(turn({ thinking }));
    const flag = expected[0]!;
    expect(args.slice(args.indexOf(flag), args.indexOf(flag) + 2)).toEqual(expected);
    const otherFlag = flag === '--thinking' ? '--max-thinking-tokens' : '--thinking';
    expect(args).not.toContain(otherFlag);
  });

  it('sets max_tokens and effort in the env, and offers the step that sets them late on a warm process', () => {
    const invocation = build(turn({ effort: 'low', maxTokens: 1234 }));
    expect(invocation.args).not.toContain('--effort');
    expect(invocation.env).toMatchObject({ CLAUDE_CODE_MAX_OUTPUT_TOKENS: '1234', CLAUDE_CODE_EFFORT_LEVEL: 'low' });
    expect(invocation.lateEnv).toEqual({ CLAUDE_CODE_MAX_OUTPUT_TOKENS: '1234', CLAUDE_CODE_EFFORT_LEVEL: 'low' });
    expect(JSON.parse(invocation.lateEnvStep.line)).toEqual({
      type: 'control_request',
      request_id: 'settings',
      request: { subtype: 'apply_flag_settings', settings: { env: { CLAUDE_CODE_MAX_OUTPUT_TOKENS: '1234', CLAUDE_CODE_EFFORT_LEVEL: 'low' } } },
    });
    expect(JSON.parse(invocation.stdinLines[0]!).request.subtype).toBe('initialize');
    expect(build().lateEnv).toEqual({});
  });

  it('never puts the prompt or the system prompt in argv', () => {
    const { args, stdinLines } = build();
    expect(args.join(' ')).not.toContain(PROMPT_MARKER);
    expect(args.join(' ')).not.toContain(SYSTEM_MARKER);
    expect(stdinLines.join('\n')).toContain(PROMPT_MARKER);
    expect(stdinLines.join('\n')).toContain(SYSTEM_MARKER);
  });
});

describe('buildCliInvocation stdin', () => {
  it('sends initialize with the system prompt texts, then the user message', () => {
    const prompt: MessageParam = {
      role: 'user',
      content: [
        { type: 'text', text: `look ${PROMPT_MARKER}` },
        { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
      ],
    };
    const { stdinLines } = build(turn({ messages: [prompt] }));
    expect(stdinLines.map((line) => JSON.parse(line) as unknown)).toEqual([
      { type: 'control_request', request_id: 'init', request: { subtype: 'initialize', systemPrompt: [`You are ${SYSTEM_MARKER}.`, 'Be brief.'] } },
      // The uuid names the prompt for a later rewind (regenerate, edited last message).
      { type: 'user', uuid: 'id', message: { role: 'user', content: prompt.content } },
    ]);
    expect(stdinLines.every((line) => !line.includes('\n'))).toBe(true);
  });

  it("sends an empty system prompt when the client gave none (never Claude Code's own)", () => {
    const first = JSON.parse(build(turn({ system: [] })).stdinLines[0]!) as { request: { systemPrompt: unknown } };
    expect(first.request.systemPrompt).toBe('');
  });

  it('sends a string prompt as one text block (the CLI strips leading <system-reminder> sections from strings)', () => {
    const second = JSON.parse(build().stdinLines[1]!) as { message: { content: unknown } };
    expect(second.message.content).toEqual([{ type: 'text', text: `hello ${PROMPT_MARKER}` }]);
  });

  it('guards a last text block starting with "/" so the CLI does not run it as a slash command', () => {
    expect(cliUserContent('/help')).toEqual([{ type: 'text', text: `${SLASH_COMMAND_GUARD}/help` }]);
    expect(cliUserContent([{ type: 'text', text: '/model haiku', cache_control: { type: 'ephemeral' } }])).toEqual([
      { type: 'text', text: `${SLASH_COMMAND_GUARD}/model haiku`, cache_control: { type: 'ephemeral' } },
    ]);
    // Only the last block is read as a command; text elsewhere and other starts stay as they are.
    const image = { type: 'image' as const, source: { type: 'base64' as const, media_type: 'image/png' as const, data: 'AA==' } };
    expect(cliUserContent([{ type: 'text', text: '/help' }, image])).toEqual([{ type: 'text', text: '/help' }, image]);
    expect(cliUserContent(' /help')).toEqual([{ type: 'text', text: ' /help' }]);
    expect(cliUserContent('a/b')).toEqual([{ type: 'text', text: 'a/b' }]);
  });
});

describe('buildCliInvocation history replay', () => {
  const history: MessageParam[] = [
    { role: 'user', content: 'q1' },
    {
      role: 'assistant',
      content: [
        { type: 'text', text: 'checking' },
        { type: 'tool_use', id: 'toolu_1', name: 'lookup', input: { q: 1 } },
      ],
    },
    { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'found' }] },
    {
      role: 'assistant',
      content: [
        { type: 'thinking', thinking: 'so', signature: 'sig' },
        { type: 'text', text: 'done' },
      ],
    },
    { role: 'user', content: 'thanks' },
  ];

  it('replays earlier user messages with shouldQuery false, each awaiting its acknowledgement', () => {
    let counter = 0;
    const { stdinSteps } = buildCliInvocation(turn({ messages: history }), { ...SETTINGS, newId: () => `n${++counter}` });
    expect(stdinSteps.map((step) => [JSON.parse(step.line).type, step.awaitsAck])).toEqual([
      ['control_request', false],
      ['user', true],
      ['assistant', false],
      ['user', true],
      ['assistant', false],
      ['user', false],
    ]);
    const lines = stdinSteps.map((step) => JSON.parse(step.line));
    expect(lines[1]).toEqual({ type: 'user', message: { role: 'user', content: [{ type: 'text', text: 'q1' }] }, shouldQuery: false });
    expect(lines[3].message.content).toEqual(history[2]!.content);
    expect(lines[5]).toEqual({ type: 'user', uuid: 'n1', message: { role: 'user', content: [{ type: 'text', text: 'thanks' }] } });
  });

  it('gives every replayed assistant message its own id (the CLI merges lines that share one) and keeps its blocks verbatim', () => {
    let counter = 0;
    const lines = buildCliInvocation(turn({ messages: history }), { ...SETTINGS, newId: () => `n${++counter}` }).stdinSteps.map((step) =>
      JSON.parse(step.line),
    );
    const assistants = lines.filter((line) => line.type === 'assistant');
    // n1 is the prompt's uuid.
    expect(assistants.map((line) => line.message.id)).toEqual(['msg_replay_n2', 'msg_replay_n3']);
    expect(assistants.map((line) => line.message.content)).toEqual([history[1]!.content, history[3]!.content]);
  });

  it("labels replayed assistant messages with the request's upstream model id, from the alias table when the CLI announced none (the CLI drops thinking of other models)", () => {
    const lines = (model: string) =>
      buildCliInvocation(turn({ model, messages: history }), SETTINGS)
        .stdinSteps.map((step) => JSON.parse(step.line))
        .filter((line) => line.type === 'assistant');
    expect(lines('sonnet').map((line) => line.message.model)).toEqual(['claude-sonnet-5-5', 'claude-sonnet-5-5']);
    expect(lines('claude-sonnet-4-6')[0].message.model).toBe('claude-sonnet-4-6');
  });
});

describe('buildCliInvocation environment', () => {
  it('keeps the safety settings whatever the operator set', () => {
    const env = buildCliEnvironment({
      CLAUDE_CODE_DISABLE_ATTACHMENTS: '0',
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '0',
      CLAUDE_CODE_ATTRIBUTION_HEADER: '1',
    });
    expect(env).toMatchObject({ CLAUDE_CODE_DISABLE_ATTACHMENTS: '1', CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1', CLAUDE_CODE_ATTRIBUTION_HEADER: '0' });
  });

  const operatorEnvironment = {
    PATH: '/usr/bin',
    HOME: '/home/proxy',
    LANG: 'C.UTF-8',
    LC_ALL: 'C.UTF-8',
    TZ: 'UTC',
    HTTPS_PROXY: 'http://proxy.internal:3128',
    ANTHROPIC_BASE_URL: 'http://127.0.0.1:9999',
    CLAUDE_CODE_OAUTH_TOKEN: 'sk-ant-oat01-test',
    CLAUDE_PATH: '/opt/claude',
    CLAUDE_PROXY_CWD: '/srv/work',
    AWS_SECRET_ACCESS_KEY: 'secret',
    NODE_OPTIONS: '--inspect',
    PROXY_API_KEYS: 'client-key',
    GITHUB_TOKEN: 'ghp_x',
    UNSET_VALUE: undefined,
  };

  it('keeps only allowlisted variables and withholds the proxy settings', () => {
    const { env } = build(turn(), { environment: operatorEnvironment });
    expect(env).toMatchObject({
      PATH: '/usr/bin',
      HOME: '/home/proxy',
      LANG: 'C.UTF-8',
      LC_ALL: 'C.UTF-8',
      TZ: 'UTC',
      HTTPS_PROXY: 'http://proxy.internal:3128',
      ANTHROPIC_BASE_URL: 'http://127.0.0.1:9999',
      CLAUDE_CODE_OAUTH_TOKEN: 'sk-ant-oat01-test',
    });
    for (const name of ['CLAUDE_PATH', 'CLAUDE_PROXY_CWD', 'AWS_SECRET_ACCESS_KEY', 'NODE_OPTIONS', 'PROXY_API_KEYS', 'GITHUB_TOKEN', 'UNSET_VALUE']) {
      expect(env).not.toHaveProperty(name);
    }
  });

  it('forces no non-essential traffic and no attribution header, even over the operator', () => {
    const env = buildCliEnvironment({ CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '0', CLAUDE_CODE_ATTRIBUTION_HEADER: '1' });
    expect(env.CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC).toBe('1');
    expect(env.CLAUDE_CODE_ATTRIBUTION_HEADER).toBe('0');
  });

  it('defaults to no CLI retries, no experimental betas and no legacy model remap, and the operator wins', () => {
    expect(buildCliEnvironment({})).toEqual({
      CLAUDE_CODE_MAX_RETRIES: '0',
      CLAUDE_CODE_DISABLE_EXPERIMENTAL_BETAS: '1',
      CLAUDE_CODE_DISABLE_LEGACY_MODEL_REMAP: '1',
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
      CLAUDE_CODE_ATTRIBUTION_HEADER: '0',
      CLAUDE_CODE_DISABLE_ATTACHMENTS: '1',
    });
    const env = buildCliEnvironment({ CLAUDE_CODE_MAX_RETRIES: '3', CLAUDE_CODE_DISABLE_LEGACY_MODEL_REMAP: '0' });
    expect(env.CLAUDE_CODE_MAX_RETRIES).toBe('3');
    expect(env.CLAUDE_CODE_DISABLE_LEGACY_MODEL_REMAP).toBe('0');
  });

  it("sets CLAUDE_CODE_MAX_OUTPUT_TOKENS from the request's max_tokens, over the operator's value", () => {
    expect(build(turn({ maxTokens: 1234 }), { environment: { CLAUDE_CODE_MAX_OUTPUT_TOKENS: '99' } }).env.CLAUDE_CODE_MAX_OUTPUT_TOKENS).toBe('1234');
    expect(build(turn(), { environment: { CLAUDE_CODE_MAX_OUTPUT_TOKENS: '99' } }).env.CLAUDE_CODE_MAX_OUTPUT_TOKENS).toBe('99');
    expect(build().env).not.toHaveProperty('CLAUDE_CODE_MAX_OUTPUT_TOKENS');
  });
});

describe('buildCliInvocation client tools', () => {
  const tools = [{ name: 'lookup', description: 'Look up', inputSchema: { type: 'object', properties: { q: { type: 'number' } } } }];
  const history: MessageParam[] = [
    { role: 'user', content: 'q1' },
    {
      role: 'assistant',
      content: [
        { type: 'text', text: 'checking' },
        { type: 'tool_use', id: 'toolu_1', name: 'lookup', input: { q: 1 } },
        { type: 'tool_use', id: 'toolu_2', name: 'not_defined', input: {} },
      ],
    },
    {
      role: 'user',
      content: [
        { type: 'tool_result', tool_use_id: 'toolu_1', content: 'found', is_error: false },
        { type: 'tool_result', tool_use_id: 'toolu_2', content: 'no', is_error: true },
      ],
    },
  ];

  it('asks the proxy for permission over stdio and declares the SDK MCP server "t" when there are tools', () => {
    const { args, stdinLines } = build(turn({ tools }));
    expect(flagValue(args, '--permission-prompt-tool')).toBe('stdio');
    const first = JSON.parse(stdinLines[0]!) as { request: { subtype: string; sdkMcpServers?: unknown } };
    expect(first.request.subtype).toBe('initialize');
    expect(first.request.sdkMcpServers).toEqual(['t']);
    // The tools themselves are served over MCP, never on the command line.
    expect(args.join(' ')).not.toContain('lookup');
    expect(flagValue(args, '--tools')).toBe('');
    expect(args).toContain('--strict-mcp-config');
  });

  it('has neither without tools', () => {
    const { args, stdinLines } = build();
    expect(args).not.toContain('--permission-prompt-tool');
    expect(JSON.parse(stdinLines[0]!).request).not.toHaveProperty('sdkMcpServers');
  });

  it('replays assistant calls of defined tools under the name the model saw, and leaves the rest verbatim', () => {
    const lines = build(turn({ tools, messages: history })).stdinLines.map((line) => JSON.parse(line));
    const assistant = lines.find((line) => line.type === 'assistant');
    expect(assistant.message.content).toEqual([
      { type: 'text', text: 'checking' },
      { type: 'tool_use', id: 'toolu_1', name: 'mcp__t__lookup', input: { q: 1 } },
      { type: 'tool_use', id: 'toolu_2', name: 'not_defined', input: {} },
    ]);
    // Tool results go back exactly, is_error included.
    expect(lines.at(-1).message.content).toEqual(history[2]!.content);
  });

  it('does not rename history tool calls when the request has no tools', () => {
    const lines = build(turn({ messages: history })).stdinLines.map((line) => JSON.parse(line));
    expect(lines.find((line) => line.type === 'assistant').message.content).toEqual(history[1]!.content);
  });
});

describe('buildCliInvocation structured output', () => {
  it('gives the schema in initialize (stdin), never on argv: a 1 MB schema made the spawn fail with E2BIG', () => {
    const schema = { type: 'object', description: 'x'.repeat(1_000_000), properties: { name: { type: 'string' } } };
    const invocation = build(turn({ outputSchema: schema }));
    expect(invocation.args).not.toContain('--json-schema');
    expect(invocation.args.join(' ').length).toBeLessThan(1000);
    expect(JSON.parse(invocation.stdinLines[0]!)).toMatchObject({ type: 'control_request', request: { subtype: 'initialize', jsonSchema: schema } });
  });

  it('sends no jsonSchema without a schema, so a warm process serves both kinds with the same argv', () => {
    expect(JSON.parse(build().stdinLines[0]!).request).not.toHaveProperty('jsonSchema');
    expect(build(turn({ outputSchema: { type: 'object' } })).args).toEqual(build().args);
  });
});

describe('buildCliInvocation for current CLIs', () => {
  it('gives every process the context-filter plugin and one model call per user message', () => {
    const invocation = build(turn(), { pluginDirectory: '/tmp/claude-cli-proxy-1000/context-filter-plugin' });
    expect(flagValue(invocation.args, '--plugin-dir')).toBe('/tmp/claude-cli-proxy-1000/context-filter-plugin');
    expect(flagValue(invocation.args, '--max-turns')).toBe('1');
  });

  it('leaves thinking out when it is off (newer models ignore --thinking disabled), and keeps it when asked', () => {
    expect(build().env.CLAUDE_CODE_DISABLE_THINKING).toBe('1');
    expect(build(turn({ thinking: { type: 'adaptive' } })).env.CLAUDE_CODE_DISABLE_THINKING).toBeUndefined();
  });

  it('writes replayed assistant messages with the model id the CLI announced, read when the line is written', () => {
    const announced: { model?: string } = {};
    const messages: MessageParam[] = [
      { role: 'user', content: 'q1' },
      {
        role: 'assistant',
        content: [
          { type: 'thinking', thinking: 't', signature: 's' },
          { type: 'text', text: 'a1' },
        ],
      },
      { role: 'user', content: 'q2' },
    ];
    const invocation = buildCliInvocation(turn({ model: 'sonnet', messages }), { ...SETTINGS, announcedModel: () => announced.model });
    announced.model = 'claude-sonnet-5-5';
    expect(JSON.parse(invocation.stdinSteps[2]!.line).message.model).toBe('claude-sonnet-5-5');
  });
});
