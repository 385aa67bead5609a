/**
 * @module
 * PURE. The command line, environment and stdin of one CLI run, from a TurnRequest.
 * Flags: the minimal-pollution set measured in ../shared/reference/claude-cli-facts.md (Q3): no Claude Code
 * system prompt, no built-in tools, no settings files, no MCP servers but ours, no session files written.
 */
import type { ContentBlockParam } from '@anthropic-ai/sdk/resources/messages';
import { prefixToolNames, TOOL_SERVER_NAME } from './client-tool-names.ts';
import { upstreamModelId } from '../core/models.ts';
import { normalizeConversation } from '../core/normalize-conversation.ts';
import type { ConversationMessage, ThinkingSetting, TurnRequest } from '../core/turn-request.ts';
import { assertNever } from '../errors.ts';

/** One NDJSON line for stdin; `awaitsAck`: write nothing more until the CLI's `result` line for it arrived. */
export interface StdinStep {
  readonly line: string;
  readonly awaitsAck: boolean;
}

export interface CliInvocation {
  command: string;
  args: string[];
  env: Record<string, string>;
  cwd: string;
  /** Written to stdin in order: the system prompt, the replayed history, the prompt. */
  stdinSteps: StdinStep[];
  /** The conversation the CLI is given (consecutive same-role messages merged; the client's tool names). */
  conversation: ConversationMessage[];
  /**
   * Variables of `env` a waiting process can still take over stdin (max_tokens, effort), and the step that sets
   * them: a warm process started with other values serves the request after this step (~45 ms, measured).
   */
  lateEnv: Record<string, string>;
  lateEnvStep: StdinStep;
  /**
   * The uuid the prompt (the last user message) is written with: a later request that drops the answer to it can
   * rewind the process to before it (rewindStep).
   */
  promptUuid: string;
}

export interface InvocationSettings {
  claudePath: string;
  cwd: string;
  /** The proxy's own environment, filtered here. */
  environment: Record<string, string | undefined>;
  /** Ids for replayed assistant messages (the CLI merges assistant lines that share an id). */
  newId: () => string;
  /** The proxy's context-filter plugin (context-filter-plugin.ts), given to every process with `--plugin-dir`. */
  pluginDirectory?: string | undefined;
  /**
   * The model id the CLI announced for this turn (its `system/init` line, which comes before the first replayed
   * message is acknowledged), read when a replayed assistant message is written; the alias table is the fallback.
   */
  announcedModel?: () => string | undefined;
  /**
   * The MCP servers this request runs (core/mcp-servers.ts), written to a private file (mcp-config-files.ts): the
   * CLI starts them and runs their tools itself, and only theirs.
   */
  mcp?: { configPath: string; serverNames: readonly string[] } | undefined;
}

const PASSED_VARIABLES = new Set([
  'PATH',
  'HOME',
  'USER',
  'LOGNAME',
  'LANG',
  'LANGUAGE',
  'TZ',
  'TMPDIR',
  'TMP',
  'TEMP',
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'NO_PROXY',
  'ALL_PROXY',
  'http_proxy',
  'https_proxy',
  'no_proxy',
  'all_proxy',
  'NODE_EXTRA_CA_CERTS',
  'SSL_CERT_FILE',
  'SSL_CERT_DIR',
  'XDG_CONFIG_HOME',
  'XDG_DATA_HOME',
  'XDG_CACHE_HOME',
  'XDG_STATE_HOME',
  'XDG_RUNTIME_DIR',
  // Windows needs these to find the user profile and system DLLs.
  'SYSTEMROOT',
  'SystemRoot',
  'WINDIR',
  'USERPROFILE',
  'APPDATA',
  'LOCALAPPDATA',
  'COMSPEC',
  'PATHEXT',
]);
const PASSED_PREFIXES = ['LC_', 'ANTHROPIC_', 'CLAUDE_'];
/** The proxy's own settings: not meant for the CLI. */
const WITHHELD = new Set(['CLAUDE_PATH', 'CLAUDE_PROXY_CWD']);

/** Set unless the operator set them: a failed upstream call comes back at once, and the client decides to retry. */
const DEFAULTS: Record<string, string> = {
  CLAUDE_CODE_MAX_RETRIES: '0',
  // No beta features of the CLI's own (its context management, per-turn system messages on newer models, a second
  // request without betas after a 400): the upstream request stays the client's (measured on 2.1.332).
  CLAUDE_CODE_DISABLE_EXPERIMENTAL_BETAS: '1',
  // The client asked for this exact model: no silent remap of older ids to newer ones.
  CLAUDE_CODE_DISABLE_LEGACY_MODEL_REMAP: '1',
};

/** Always set, whatever the operator's environment says. */
const FORCED: Record<string, string> = {
  // No title side-requests, telemetry or update checks.
  CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
  // No billing header block in the system prompt.
  CLAUDE_CODE_ATTRIBUTION_HEADER: '0',
  // SECURITY: without it an "@/path" mention in a client's message makes the CLI read that host file and send it
  // upstream, even with --tools "" (measured on 2.1.197). Also stops @agent and MCP resource mentions.
  CLAUDE_CODE_DISABLE_ATTACHMENTS: '1',
};

export function buildCliEnvironment(environment: Record<string, string | undefined>): Record<string, string> {
  const env: Record<string, string> = { ...DEFAULTS };
  for (const [name, value] of Object.entries(environment)) {
    if (value == null || WITHHELD.has(name)) continue;
    if (PASSED_VARIABLES.has(name) || PASSED_PREFIXES.some((prefix) => name.startsWith(prefix))) env[name] = value;
  }
  return { ...env, ...FORCED };
}

export function buildCliInvocation(request: TurnRequest, settings: InvocationSettings): CliInvocation {
  const conversation = normalizeConversation(request.messages);
  const lateEnv = lateEnvironment(request);
  const env = { ...buildCliEnvironment(settings.environment), ...thinkingEnvironment(request.thinking), ...lateEnv };
  const args = [
    '-p',
    '--input-format',
    'stream-json',
    '--output-format',
    'stream-json',
    '--verbose',
    '--include-partial-messages',
    // Safety net: the real system prompt comes over stdin (initialize); never Claude Code's default prompt.
    '--system-prompt',
    '',
    '--tools',
    '',
    '--setting-sources',
    '',
    '--strict-mcp-config',
    '--no-session-persistence',
    '--model',
    request.model,
    ...maxTurnsArguments(request),
    ...thinkingArguments(request.thinking),
    ...(settings.pluginDirectory != null ? ['--plugin-dir', settings.pluginDirectory] : []),
    ...mcpArguments(settings.mcp),
    // Client tools: the CLI asks the proxy before a call runs; the turn ends at message_stop with the CLI waiting on
    // that prompt, and the client's results, when they come, are the answers of its calls (held-tool-calls.ts).
    ...(request.tools.length > 0 ? ['--permission-prompt-tool', 'stdio'] : []),
  ];
  const promptUuid = settings.newId();
  return {
    command: settings.claudePath,
    args,
    env,
    cwd: settings.cwd,
    stdinSteps: buildStdinSteps(request, conversation, settings, promptUuid),
    conversation,
    lateEnv,
    lateEnvStep: {
      line: JSON.stringify({ type: 'control_request', request_id: 'settings', request: { subtype: 'apply_flag_settings', settings: { env: lateEnv } } }),
      awaitsAck: false,
    },
    promptUuid,
  };
}

/**
 * Cuts the CLI's conversation back to before the user message written with `uuid` (its last one), for a request that
 * re-sends the conversation with that message again or changed (regenerate, edit). Measured on 2.1.197 and 2.1.332:
 * answered by a `control_response` with `rewound: true` within milliseconds, and the next model request is the one a
 * fresh process sends for that conversation; only the last user message can be the target ("stale target" otherwise),
 * and not the first (no answer before it).
 */
export const REWIND_REQUEST_ID = 'rewind';

export function rewindStep(uuid: string): StdinStep {
  return {
    line: JSON.stringify({ type: 'control_request', request_id: REWIND_REQUEST_ID, request: { subtype: 'rewind_conversation', target_message_uuid: uuid } }),
    awaitsAck: true,
  };
}

/**
 * The registry's servers, from a file (their env and headers hold credentials: never on argv, where any user of the
 * host can read them). `--allowedTools mcp__<name>` lets their calls run without a permission prompt (measured on
 * 2.1.197 and 2.1.332); `--strict-mcp-config` keeps every other server out, and `--tools ""` every built-in tool.
 */
function mcpArguments(mcp: InvocationSettings['mcp']): string[] {
  if (mcp == null || mcp.serverNames.length === 0) return [];
  return ['--mcp-config', mcp.configPath, '--allowedTools', mcp.serverNames.map((name) => `mcp__${name}`).join(',')];
}

/**
 * One model call per user message: the CLI never answers a tool call itself and asks again (a call of a tool it does
 * not have, or its structured-output reminder), which the client would never see but would pay for. Not with the
 * client's tools: each round of a tool loop continued on the process (held-tool-calls.ts) is one more model call of
 * the same user message. A call of a tool the client did not declare then ends the turn at its first event
 * (end-at-undeclared-tool-call.ts) and the process is killed at once, before the CLI can ask the model again.
 */
function maxTurnsArguments(request: TurnRequest): string[] {
  return hasOneCallLimit(request) ? ['--max-turns', '1'] : [];
}

/**
 * Whether the process for this request stops after one model call by itself. One that does not (client tools) asks
 * the model again on its own within about 30 ms after an answer cut by max_tokens ("Output token limit hit. Resume
 * directly", measured on 2.1.197 and 2.1.332) or a call of a tool it does not know: its owner must kill it at once.
 */
export function hasOneCallLimit(request: Pick<TurnRequest, 'tools' | 'outputSchema' | 'mcpServers'>): boolean {
  // MCP servers' tools are run by the CLI: a turn is as many model calls as the model makes calls of them.
  if (request.mcpServers.length > 0) return false;
  return request.tools.length === 0 || request.outputSchema != null;
}

/**
 * The conversation goes over stdin (never argv: no size limit). The history is replayed exactly
 * (measured on 2.1.197, docs/decisions/0008-history-via-stdin-replay.md): each earlier user message with
 * `shouldQuery: false`, acknowledged by a `result` before anything more is written; each assistant message as an
 * `assistant` line with its own id. The last user message is sent as is and starts the model call.
 */
function buildStdinSteps(request: TurnRequest, conversation: readonly ConversationMessage[], settings: InvocationSettings, promptUuid: string): StdinStep[] {
  const messages = prefixToolNames(conversation, request.tools);
  const prompt = messages.at(-1)!;
  const steps: StdinStep[] = [];
  steps.push(
    // The system prompt travels on stdin: no argv size limit, and a warm process can take it late.
    {
      line: JSON.stringify({
        type: 'control_request',
        request_id: 'init',
        request: {
          subtype: 'initialize',
          systemPrompt: request.system.length > 0 ? [...request.system] : '',
          // The client's tools, served by the proxy over this same stdin/stdout (cli/answer-mcp-message.ts).
          ...(request.tools.length > 0 ? { sdkMcpServers: [TOOL_SERVER_NAME] } : {}),
          // Structured output: the model answers through a StructuredOutput tool with this schema
          // (core/convert-structured-output.ts). On stdin, not argv (--json-schema): a schema over 128 KiB made the
          // spawn fail with E2BIG; `initialize` takes it the same way (measured on 2.1.197, a 1 MB schema arrived whole).
          ...(request.outputSchema != null ? { jsonSchema: request.outputSchema } : {}),
        },
      }),
      awaitsAck: false,
    },
  );
  const model = (): string => settings.announcedModel?.() ?? upstreamModelId(request.model);
  for (const message of messages.slice(0, -1)) steps.push(replayStep(message, model, settings.newId));
  steps.push({
    line: JSON.stringify({ type: 'user', uuid: promptUuid, message: { role: 'user', content: cliUserContent(prompt.content) } }),
    awaitsAck: false,
  });
  return steps;
}

/**
 * Per-request settings the CLI reads from its environment, which a waiting process can still take over stdin
 * (`apply_flag_settings` with env; measured on 2.1.197). The model and thinking are read at start-up only.
 */
export const LATE_ENV_VARIABLES = ['CLAUDE_CODE_MAX_OUTPUT_TOKENS', 'CLAUDE_CODE_EFFORT_LEVEL'] as const;

function lateEnvironment(request: TurnRequest): Record<string, string> {
  const env: Record<string, string> = {};
  if (request.maxTokens != null) env.CLAUDE_CODE_MAX_OUTPUT_TOKENS = String(request.maxTokens);
  if (request.effort != null) env.CLAUDE_CODE_EFFORT_LEVEL = request.effort;
  return env;
}

/** U+200B ZERO WIDTH SPACE: invisible, and enough to keep the CLI from reading the text as a slash command. */
export const SLASH_COMMAND_GUARD = '\u200b';

/**
 * A user message's content as the CLI must receive it to pass it on unchanged (measured on 2.1.197):
 * - always as blocks: string input has leading <system-reminder> sections stripped by the CLI;
 * - when the last block is text starting with "/", the CLI runs it as a slash command (/help, /model, /compact)
 *   and never calls the model, so that text gets an invisible zero-width space in front.
 */
export function cliUserContent(content: ConversationMessage['content']): ContentBlockParam[] {
  const blocks: ContentBlockParam[] = typeof content === 'string' ? [{ type: 'text', text: content }] : [...content];
  const last = blocks.at(-1);
  if (last?.type === 'text' && last.text.startsWith('/')) blocks[blocks.length - 1] = { ...last, text: `${SLASH_COMMAND_GUARD}${last.text}` };
  return blocks;
}

function replayStep(message: ConversationMessage, model: () => string, newId: () => string): StdinStep {
  if (message.role === 'user') {
    return lazyStep(true, () => ({ type: 'user', message: { role: 'user', content: cliUserContent(message.content) }, shouldQuery: false }));
  }
  const content = typeof message.content === 'string' ? [{ type: 'text', text: message.content }] : message.content;
  return lazyStep(false, () => ({
    type: 'assistant',
    message: {
      id: `msg_replay_${newId()}`,
      type: 'message',
      role: 'assistant',
      model: model(),
      content,
      stop_reason: null,
      stop_sequence: null,
      usage: { input_tokens: 0, output_tokens: 0 },
    },
  }));
}

/**
 * A replay step whose line is written out when it is first read: the runner writes history one message at a time
 * (waiting for the CLI between user messages), so a 100,000-message history does not cost its whole serialisation
 * at once on the event loop (about 5x the time of parsing the body).
 */
function lazyStep(awaitsAck: boolean, value: () => unknown): StdinStep {
  let line: string | undefined;
  return {
    awaitsAck,
    get line() {
      line ??= JSON.stringify(value());
      return line;
    },
  };
}

/**
 * Thinking off means no `thinking` field upstream, as the client sent it: newer models ignore `--thinking disabled`
 * and think anyway (claude-*-5-5 on 2.1.332: adaptive, whatever the flag), the variable leaves the field out on
 * every version.
 */
function thinkingEnvironment(thinking: ThinkingSetting): Record<string, string> {
  return thinking.type === 'disabled' ? { CLAUDE_CODE_DISABLE_THINKING: '1' } : {};
}

function thinkingArguments(thinking: ThinkingSetting): string[] {
  switch (thinking.type) {
    case 'disabled':
      return ['--thinking', 'disabled'];
    case 'enabled':
      return ['--max-thinking-tokens', String(thinking.budgetTokens)];
    case 'adaptive':
      return ['--thinking', 'enabled'];
    default:
      return assertNever(thinking, 'thinking setting');
  }
}
