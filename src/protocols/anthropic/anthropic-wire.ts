/**
 * @module
 * The Anthropic Messages wire types (imported from the SDK, never copied) and a narrow, lenient schema of the
 * request fields the proxy reads. Unknown fields are ignored; wrong types are a 400.
 */
import { z } from 'zod';
import { selectSchemaByType } from '../select-schema-by-type.ts';

export type { ContentBlock, Message, MessageParam, RawMessageStreamEvent, StopReason, Usage } from '@anthropic-ai/sdk/resources/messages';

const textBlock = z.looseObject({ type: z.literal('text'), text: z.string() });

// Content blocks: every field the proxy or the CLI reads is checked here, so a malformed block is a 400 naming it
// and never reaches the CLI (an image without a source was a 500; one without data made the CLI fail).
const base64Image = z.looseObject({ type: z.literal('base64'), media_type: z.enum(['image/jpeg', 'image/png', 'image/gif', 'image/webp']), data: z.string() });
const urlSource = z.looseObject({ type: z.literal('url'), url: z.string() });
const fileSource = z.looseObject({ type: z.literal('file'), file_id: z.string() });
const imageSource = z.discriminatedUnion('type', [base64Image, urlSource, fileSource]);
const imageBlock = z.looseObject({ source: imageSource });
const documentBlock = z.looseObject({
  source: z.discriminatedUnion('type', [
    z.looseObject({ type: z.literal('base64'), media_type: z.literal('application/pdf'), data: z.string() }),
    z.looseObject({ type: z.literal('text'), media_type: z.literal('text/plain'), data: z.string() }),
    z.looseObject({
      type: z.literal('content'),
      content: z.union([z.string(), z.array(selectSchemaByType({ text: textBlock, image: imageBlock }, { unknownTypes: 'reject' }))]),
    }),
    urlSource,
    fileSource,
  ]),
  title: z.string().nullish(),
  context: z.string().nullish(),
});
const searchResultBlock = z.looseObject({ source: z.string(), title: z.string(), content: z.array(textBlock) });
const toolResultContent = selectSchemaByType(
  { text: textBlock, image: imageBlock, document: documentBlock, search_result: searchResultBlock },
  { unknownTypes: 'pass' },
);

const contentBlock = selectSchemaByType(
  {
    text: textBlock,
    image: imageBlock,
    document: documentBlock,
    search_result: searchResultBlock,
    tool_use: z.looseObject({ id: z.string(), name: z.string(), input: z.record(z.string(), z.unknown()) }),
    tool_result: z.looseObject({
      tool_use_id: z.string(),
      content: z.union([z.string(), z.array(toolResultContent)]).optional(),
      is_error: z.boolean().nullish(),
    }),
    thinking: z.looseObject({ thinking: z.string(), signature: z.string() }),
    redacted_thinking: z.looseObject({ data: z.string() }),
    // The MCP connector's blocks, as this proxy answers them (core/expand-mcp-tool-blocks.ts replays them).
    mcp_tool_use: z.looseObject({ id: z.string(), name: z.string(), server_name: z.string(), input: z.record(z.string(), z.unknown()) }),
    mcp_tool_result: z.looseObject({
      tool_use_id: z.string(),
      content: z.union([z.string(), z.array(textBlock)]).optional(),
      is_error: z.boolean().nullish(),
    }),
  },
  { unknownTypes: 'pass' },
);
const jsonSchemaFormat = z.looseObject({ type: z.literal('json_schema'), schema: z.record(z.string(), z.unknown()) });

export const messagesRequestSchema = z.looseObject({
  model: z.string().min(1),
  max_tokens: z.number().int().positive().optional(),
  messages: z.array(
    z.looseObject({
      role: z.enum(['user', 'assistant', 'system']),
      content: z.union([z.string(), z.array(contentBlock)]),
    }),
  ),
  system: z.union([z.string(), z.array(textBlock)]).optional(),
  stream: z.boolean().optional(),
  stop_sequences: z.array(z.string()).optional(),
  thinking: z
    .discriminatedUnion('type', [
      z.looseObject({ type: z.literal('enabled'), budget_tokens: z.number().int().positive() }),
      z.looseObject({ type: z.literal('disabled') }),
      z.looseObject({ type: z.literal('adaptive') }),
    ])
    .optional(),
  output_config: z.looseObject({ effort: z.enum(['low', 'medium', 'high', 'xhigh', 'max']).optional(), format: jsonSchemaFormat.nullish() }).optional(),
  /** The deprecated beta spelling of output_config.format. */
  output_format: jsonSchemaFormat.nullish(),
  tools: z
    .array(
      z.looseObject({
        type: z.string().nullish(),
        name: z.string().optional(),
        description: z.string().nullish(),
        input_schema: z.record(z.string(), z.unknown()).optional(),
      }),
    )
    .optional(),
  /** `mcp_servers` names servers of the proxy's registry (the original claude-code-proxy's extension). */
  metadata: z.looseObject({ mcp_servers: z.array(z.string()).nullish() }).nullish(),
  /** The MCP connector's servers: run only when the operator allows their URL (PROXY_MCP_ALLOWED_URLS). */
  mcp_servers: z.array(z.looseObject({ type: z.literal('url'), url: z.string(), name: z.string(), authorization_token: z.string().nullish() })).nullish(),
  tool_choice: z
    .discriminatedUnion('type', [
      z.looseObject({ type: z.literal('auto'), disable_parallel_tool_use: z.boolean().nullish() }),
      z.looseObject({ type: z.literal('any'), disable_parallel_tool_use: z.boolean().nullish() }),
      z.looseObject({ type: z.literal('tool'), name: z.string(), disable_parallel_tool_use: z.boolean().nullish() }),
      z.looseObject({ type: z.literal('none') }),
    ])
    .optional(),
});

export type MessagesRequest = z.infer<typeof messagesRequestSchema>;

export const countTokensRequestSchema = messagesRequestSchema.omit({ max_tokens: true, stream: true }).extend({
  max_tokens: z.unknown().optional(),
});
