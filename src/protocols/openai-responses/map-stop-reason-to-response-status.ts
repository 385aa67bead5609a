/**
 * @module
 * PURE. Anthropic stop_reason → the Responses status and incomplete_details. A cut-off answer is `incomplete`, as
 * OpenAI reports it (Codex treats that as an error, not as a finished turn); a refusal by the safety classifier is
 * the counterpart of OpenAI's content filter (Chat Completions maps it to finish_reason content_filter too).
 * @see https://docs.claude.com/en/api/messages#response-stop-reason
 */
import type { WireResponse } from './openai-responses-wire.ts';

export interface ResponseOutcome {
  status: 'completed' | 'incomplete';
  incomplete_details: WireResponse['incomplete_details'];
}

export function mapStopReasonToResponseStatus(stopReason: string | null | undefined): ResponseOutcome {
  switch (stopReason) {
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return { status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } };
    case 'refusal':
      return { status: 'incomplete', incomplete_details: { reason: 'content_filter' } };
    case 'end_turn':
    case 'stop_sequence':
    case 'tool_use':
    case 'pause_turn':
    default:
      return { status: 'completed', incomplete_details: null };
  }
}
