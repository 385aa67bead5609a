/**
 * @module
 * OpenAI Responses wire types (imported from the `openai` SDK) and a narrow, lenient request schema: only the fields
 * the proxy reads are checked, unknown fields pass. Input items and tools are checked one by one by the translator,
 * because items of types the proxy drops (web_search_call, custom tools, ...) must not fail the request.
 */
import type { Response, ResponseErrorEvent, ResponseStreamEvent } from 'openai/resources/responses/responses';
import { z } from 'zod';

export type {
  Response,
  ResponseFunctionToolCall,
  ResponseOutputItem,
  ResponseOutputMessage,
  ResponseOutputText,
  ResponseReasoningItem,
  ResponseUsage,
} from 'openai/resources/responses/responses';

/**
 * The response as the proxy sends it: `output_text` is a convenience the SDKs compute on the client; `store` is sent
 * by the API though the SDK type leaves it out.
 */
export type WireResponse = Omit<Response, 'output_text'> & { store: boolean };

/**
 * The `error` event as the live API sends it: the documented flat fields plus the same fields nested under `error`,
 * which is what makes the openai SDK's stream throw an APIError (core/streaming.ts checks `data.error`).
 */
export type ResponseErrorEventWithDetail = ResponseErrorEvent & {
  error: { type: string; code: string | null; message: string; param: string | null };
};

type WithWireResponse<Event> = Event extends { response: Response } ? Omit<Event, 'response'> & { response: WireResponse } : Event;

/** One event of a Responses stream, as written to the wire. */
export type ResponsesStreamEvent = WithWireResponse<Exclude<ResponseStreamEvent, ResponseErrorEvent>> | ResponseErrorEventWithDetail;

const textFormatSchema = z.discriminatedUnion('type', [
  z.looseObject({ type: z.literal('text') }),
  z.looseObject({ type: z.literal('json_object') }),
  z.looseObject({ type: z.literal('json_schema'), name: z.string().nullish(), schema: z.record(z.string(), z.unknown()).nullish() }),
]);

export const responsesRequestSchema = z.looseObject({
  model: z.string().min(1),
  input: z.union([z.string(), z.array(z.looseObject({ type: z.string().nullish() }))], {
    error: (issue) => (issue.input === undefined ? 'Field required' : 'expected a string or an array of input items'),
  }),
  instructions: z.string().nullish(),
  tools: z.array(z.looseObject({ type: z.string() })).nullish(),
  tool_choice: z.union([z.enum(['none', 'auto', 'required']), z.looseObject({ type: z.string(), name: z.string().nullish() })]).nullish(),
  parallel_tool_calls: z.boolean().nullish(),
  max_output_tokens: z.number().int().positive().nullish(),
  reasoning: z
    .looseObject({
      effort: z.enum(['none', 'minimal', 'low', 'medium', 'high', 'xhigh', 'max']).nullish(),
      summary: z.enum(['auto', 'concise', 'detailed']).nullish(),
      /** Deprecated spelling of `summary`, still sent by older clients. */
      generate_summary: z.enum(['auto', 'concise', 'detailed']).nullish(),
    })
    .nullish(),
  text: z.looseObject({ format: textFormatSchema.nullish(), verbosity: z.string().nullish() }).nullish(),
  stream: z.boolean().nullish(),
  stream_options: z.looseObject({ include_obfuscation: z.boolean().nullish() }).nullish(),
  store: z.boolean().nullish(),
  background: z.boolean().nullish(),
  previous_response_id: z.string().nullish(),
  conversation: z.union([z.string(), z.looseObject({})]).nullish(),
  prompt: z.looseObject({}).nullish(),
  include: z.array(z.string()).nullish(),
  metadata: z.record(z.string(), z.string()).nullish(),
  temperature: z.number().nullish(),
  top_p: z.number().nullish(),
  top_logprobs: z.number().nullish(),
  truncation: z.enum(['auto', 'disabled']).nullish(),
  user: z.string().nullish(),
  safety_identifier: z.string().nullish(),
  prompt_cache_key: z.string().nullish(),
  service_tier: z.string().nullish(),
});

export type ResponsesRequest = z.infer<typeof responsesRequestSchema>;

/** One item of `input`, checked by the translator according to its type. */
export type ResponsesInputItem = Extract<ResponsesRequest['input'], unknown[]>[number];
