/**
 * @module
 * The CLI's stdout lines (`--output-format stream-json --verbose --include-partial-messages`), validated narrowly:
 * only the fields the proxy reads, unknown fields kept or ignored, unknown line types reported as `unknown`.
 * The one reader of the CLI's stdout: every line is parsed here once, by its fields (never by a text prefix: the key
 * order changes between versions). Shapes measured on CLI 2.1.197 and 2.1.332 (docs/cli-versions.md).
 */
import { z } from 'zod';

const usage = z.looseObject({
  input_tokens: z.number().nullish(),
  output_tokens: z.number().nullish(),
  cache_creation_input_tokens: z.number().nullish(),
  cache_read_input_tokens: z.number().nullish(),
});

const block = z.looseObject({ type: z.string() });

/** The raw Anthropic SSE events the CLI relays, checked on the fields the translators read. */
export const anthropicEventSchema = z.discriminatedUnion('type', [
  z.looseObject({
    type: z.literal('message_start'),
    message: z.looseObject({ id: z.string(), model: z.string(), content: z.array(block), usage }),
  }),
  z.looseObject({ type: z.literal('content_block_start'), index: z.number(), content_block: block }),
  z.looseObject({ type: z.literal('content_block_delta'), index: z.number(), delta: block }),
  z.looseObject({ type: z.literal('content_block_stop'), index: z.number() }),
  z.looseObject({ type: z.literal('message_delta'), delta: z.looseObject({ stop_reason: z.string().nullish() }), usage }),
  z.looseObject({ type: z.literal('message_stop') }),
]);

const streamEventLine = z.looseObject({
  type: z.literal('stream_event'),
  event: z.looseObject({ type: z.string() }),
  parent_tool_use_id: z.string().nullish(),
});

const assistantLine = z.looseObject({
  type: z.literal('assistant'),
  message: z.looseObject({ id: z.string(), model: z.string(), content: z.array(block), usage: usage.nullish() }),
  parent_tool_use_id: z.string().nullish(),
  /** Set on the CLI's synthetic error messages: rate_limit, server_error, authentication_failed, ... */
  error: z.string().nullish(),
});

const resultLine = z.looseObject({
  type: z.literal('result'),
  subtype: z.string(),
  is_error: z.boolean(),
  api_error_status: z.number().nullish(),
  result: z.string().nullish(),
  stop_reason: z.string().nullish(),
  usage: usage.nullish(),
  terminal_reason: z.string().nullish(),
});

/**
 * `system/init` names the model the CLI resolved the --model value to, and the tools the model is given (an MCP
 * server's as `mcp__<server>__<tool>`).
 */
const systemLine = z.looseObject({
  type: z.literal('system'),
  subtype: z.string(),
  model: z.string().optional(),
  tools: z.array(z.string()).optional().catch(undefined),
  /** Each MCP server with its state: `connected`, or `failed` when it could not be started or reached. */
  mcp_servers: z
    .array(z.looseObject({ name: z.string(), status: z.string() }))
    .optional()
    .catch(undefined),
});

/**
 * A tool call the CLI ran itself (an MCP server's, mcp-tool-rounds.ts): its tool_result blocks, as the next upstream
 * request carries them (measured on 2.1.197 and 2.1.332).
 */
const userLine = z.looseObject({
  type: z.literal('user'),
  message: z.looseObject({ content: z.union([z.string(), z.array(block)]) }),
  parent_tool_use_id: z.string().nullish(),
});

/** A field that only informs: a value of another type is dropped, never a reason to lose the line (and its reset time). */
const optional = <T extends z.ZodType>(schema: T) => schema.nullish().catch(undefined);

const quotaWindow = z.looseObject({
  utilization: optional(z.number()),
  resetsAt: optional(z.number()),
  status: optional(z.string()),
  surpassedThreshold: optional(z.number()),
});

/**
 * Only with a subscription login, from the upstream's `anthropic-ratelimit-unified-*` headers (measured on 2.1.197 and
 * 2.1.332, docs/cli-versions.md): after message_stop on a success, before the synthetic error on a rejection.
 * `utilization` comes only past a warning threshold; `unifiedWindows` (per window) only from 2.1.332 on.
 */
const rateLimitLine = z.looseObject({
  type: z.literal('rate_limit_event'),
  rate_limit_info: z.looseObject({
    status: z.string(),
    resetsAt: z.number().nullish(),
    rateLimitType: z.string().nullish(),
    utilization: optional(z.number()),
    surpassedThreshold: optional(z.number()),
    isUsingOverage: optional(z.boolean()),
    overageStatus: optional(z.string()),
    overageResetsAt: optional(z.number()),
    overageDisabledReason: optional(z.string()),
    unifiedRateLimitFallbackAvailable: optional(z.boolean()),
    unifiedWindows: optional(z.record(z.string(), quotaWindow.catch({}))),
  }),
});

const controlRequestLine = z.looseObject({
  type: z.literal('control_request'),
  request_id: z.string(),
  /**
   * `mcp_message` carries the JSON-RPC message for the proxy's tool server (`tools/call` names the tool_use it runs in
   * `_meta["claudecode/toolUseId"]`); `can_use_tool` a permission prompt for one tool_use (measured on 2.1.197, 2.1.332).
   */
  request: z.looseObject({
    subtype: z.string(),
    tool_name: z.string().optional(),
    tool_use_id: z.string().optional(),
    input: z.unknown().optional(),
    message: z
      .looseObject({
        jsonrpc: z.string().optional(),
        id: z.union([z.string(), z.number(), z.null()]).optional(),
        method: z.string().optional(),
        params: z
          .looseObject({
            protocolVersion: z.string().optional(),
            name: z.string().optional(),
            _meta: z.looseObject({ 'claudecode/toolUseId': z.string().optional() }).optional(),
          })
          .optional(),
      })
      .optional(),
  }),
});

const controlResponseLine = z.looseObject({
  type: z.literal('control_response'),
  response: z.looseObject({
    subtype: z.string(),
    request_id: z.string().nullish(),
    // The answer of a rewind_conversation request (claude-cli-runner.ts).
    response: z.looseObject({ rewound: z.boolean().optional(), error: z.string().nullish() }).nullish(),
  }),
});

const knownLine = z.discriminatedUnion('type', [
  streamEventLine,
  assistantLine,
  resultLine,
  systemLine,
  rateLimitLine,
  controlRequestLine,
  controlResponseLine,
  userLine,
]);

export type CliStreamEventLine = z.infer<typeof streamEventLine>;
export type CliAssistantLine = z.infer<typeof assistantLine>;
export type CliResultLine = z.infer<typeof resultLine>;
export type CliUserLine = z.infer<typeof userLine>;
export type CliControlRequestLine = z.infer<typeof controlRequestLine>;
export type CliRateLimitInfo = z.infer<typeof rateLimitLine>['rate_limit_info'];
export type CliKnownLine = z.infer<typeof knownLine>;
export type CliLine = CliKnownLine | { type: 'unknown'; raw: unknown } | { type: 'invalid'; text: string; reason: string };

const KNOWN_TYPES = new Set(['stream_event', 'assistant', 'result', 'system', 'rate_limit_event', 'control_request', 'control_response', 'user']);

export function parseCliLine(text: string): CliLine {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { type: 'invalid', text, reason: 'not JSON' };
  }
  const type = typeof raw === 'object' && raw != null ? (raw as { type?: unknown }).type : undefined;
  if (typeof type !== 'string' || !KNOWN_TYPES.has(type)) return { type: 'unknown', raw };
  const parsed = knownLine.safeParse(raw);
  if (!parsed.success) return { type: 'invalid', text, reason: parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ') };
  return parsed.data;
}
