/**
 * @module
 * Anthropic events → SSE frames of OpenAI chunks (no `event:` lines: OpenAI streams are data-only).
 */
import type { RawMessageStreamEvent } from '@anthropic-ai/sdk/resources/messages';
import { createOpenAIChatStreamState, stepOpenAIChatChunks } from '../../protocols/openai-chat/convert-anthropic-events-to-openai-chat-chunks.ts';
import type { SseFrame } from '../sse-stream.ts';

export async function* convertAnthropicEventsToChunks(
  events: AsyncIterable<RawMessageStreamEvent>,
  options: { id: string; created: number; includeUsage: boolean; model: string },
): AsyncGenerator<SseFrame[]> {
  const state = createOpenAIChatStreamState(options);
  for await (const event of events) {
    const chunks = stepOpenAIChatChunks(state, event);
    if (chunks.length > 0) yield chunks.map((data) => ({ data }));
  }
}
