/**
 * @module
 * PURE. Anthropic stop_reason → OpenAI finish_reason.
 * @see https://docs.claude.com/en/api/messages#response-stop-reason
 */
export type OpenAIFinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter';

export function mapStopReasonToFinishReason(stopReason: string | null | undefined): OpenAIFinishReason {
  switch (stopReason) {
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    case 'tool_use':
      return 'tool_calls';
    case 'refusal':
      return 'content_filter';
    case 'end_turn':
    case 'stop_sequence':
    case 'pause_turn':
    default:
      return 'stop';
  }
}
