/**
 * @module
 * Anthropic events → SSE frames of OpenAI Responses events: `event: <type>` lines equal to the data's type, and no
 * `[DONE]` line (the Responses API does not send one). The error frames share the stream's state, so a late failure
 * continues the sequence numbers (and starts the response first if nothing was sent yet).
 */
import type { RawMessageStreamEvent } from '@anthropic-ai/sdk/resources/messages';
import { ProxyError } from '../../errors.ts';
import {
  createOpenAIResponsesStreamState,
  failOpenAIResponsesEvents,
  stepOpenAIResponsesEvents,
} from '../../protocols/openai-responses/convert-anthropic-events-to-openai-responses-events.ts';
import { mapProxyErrorToResponseFailure } from '../../protocols/openai-responses/map-proxy-error-to-response-failure.ts';
import type { ResponsesStreamEvent, WireResponse } from '../../protocols/openai-responses/openai-responses-wire.ts';
import type { SseFrame } from '../sse-stream.ts';

export interface ResponsesFrames {
  frames: AsyncIterable<SseFrame[]>;
  errorFrames: (error: ProxyError) => SseFrame[];
}

export function convertAnthropicEventsToResponsesFrames(
  events: AsyncIterable<RawMessageStreamEvent>,
  options: { response: WireResponse; reasoningSummary: boolean },
): ResponsesFrames {
  const state = createOpenAIResponsesStreamState(options);
  async function* frames(): AsyncGenerator<SseFrame[]> {
    for await (const event of events) {
      const converted = stepOpenAIResponsesEvents(state, event);
      if (converted.length > 0) yield converted.map(toFrame);
    }
    // A turn that ends without a complete message is an error, never a truncated success (as accumulateMessage).
    if (!state.finished) throw new ProxyError('api_error', 'the model stream ended before the message was complete');
  }
  return { frames: frames(), errorFrames: (error) => failOpenAIResponsesEvents(state, mapProxyErrorToResponseFailure(error)).map(toFrame) };
}

function toFrame(event: ResponsesStreamEvent): SseFrame {
  return { event: event.type, data: event };
}
