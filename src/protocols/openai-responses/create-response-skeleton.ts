/**
 * @module
 * PURE. The response object before any output: id, time, model and the request's settings echoed back the way
 * OpenAI does, so clients that read them (instructions, tools, reasoning, text format) see what they sent.
 * `store` is always false and `previous_response_id` always null: the proxy keeps nothing. Values the proxy does not
 * apply (temperature, top_p) are echoed as sent, or null, never as a default it would pretend to use.
 */
import type { ResponsesRequest, WireResponse } from './openai-responses-wire.ts';

export interface ResponseIdentity {
  /** `resp_…`, also the stem of the output item ids. */
  id: string;
  /** Unix seconds. */
  createdAt: number;
  /** The model the request named, until the upstream reports its own id. */
  model: string;
}

export function createResponseSkeleton(request: ResponsesRequest, identity: ResponseIdentity): WireResponse {
  return {
    id: identity.id,
    object: 'response',
    created_at: identity.createdAt,
    status: 'in_progress',
    background: false,
    error: null,
    incomplete_details: null,
    instructions: request.instructions ?? null,
    max_output_tokens: request.max_output_tokens ?? null,
    metadata: request.metadata ?? {},
    model: identity.model,
    output: [],
    parallel_tool_calls: request.parallel_tool_calls ?? true,
    previous_response_id: null,
    reasoning: { effort: request.reasoning?.effort ?? null, summary: request.reasoning?.summary ?? request.reasoning?.generate_summary ?? null },
    store: false,
    temperature: request.temperature ?? null,
    text: { ...request.text, format: request.text?.format ?? { type: 'text' } } as WireResponse['text'],
    tool_choice: (request.tool_choice ?? 'auto') as WireResponse['tool_choice'],
    tools: functionTools(request.tools ?? []),
    top_p: request.top_p ?? null,
    truncation: request.truncation ?? 'disabled',
    ...(request.user != null ? { user: request.user } : {}),
    ...(request.safety_identifier != null ? { safety_identifier: request.safety_identifier } : {}),
    ...(request.prompt_cache_key != null ? { prompt_cache_key: request.prompt_cache_key } : {}),
  };
}

/** The function tools the model was given (hosted tools are dropped, so they are not echoed as if offered). */
function functionTools(tools: NonNullable<ResponsesRequest['tools']>): WireResponse['tools'] {
  return tools
    .filter((tool) => tool.type === 'function')
    .map((tool) => ({
      type: 'function' as const,
      name: String(tool.name),
      description: typeof tool.description === 'string' ? tool.description : null,
      parameters: (tool.parameters ?? null) as Record<string, unknown> | null,
      strict: typeof tool.strict === 'boolean' ? tool.strict : null,
    }));
}
