/**
 * @module
 * The Anthropic Messages wire types (imported from the SDK, never copied) and a narrow, lenient schema of the
 * request fields the proxy reads. Unknown fields are ignored; wrong types are a 400.
 */
import { z } from 'zod';

export type {
  ContentBlock,
  Message,
  MessageParam,
  RawMessageStreamEvent,
  StopReason,
  Usage,
} from '@anthropic-ai/sdk/resources/messages';

const contentBlock = z.looseObject({ type: z.string() });
const textBlock = z.looseObject({ type: z.literal('text'), text: z.string() });
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
  output_config: z
    .looseObject({ effort: z.enum(['low', 'medium', 'high', 'xhigh', 'max']).optional(), format: jsonSchemaFormat.nullish() })
    .optional(),
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
