/**
 * @module
 * PURE. Anthropic raw stream events → OpenAI `chat.completion.chunk`s, following what the openai SDK's
 * ChatCompletionStream and the Vercel AI SDK check (../shared/reference/api-conformance.md, 2.3):
 * the first chunk carries `role: 'assistant'`; content is relayed as it arrives; each tool call streams contiguously
 * with its index on every fragment and id/type/name on the first; exactly one chunk has a finish_reason; with
 * include_usage a last chunk has `choices: []` and the usage (and every other chunk `usage: null`).
 */
import type { RawMessageStreamEvent, Usage } from '@anthropic-ai/sdk/resources/messages';
import { applyUsageDelta } from '../shared/apply-usage-delta.ts';
import { assertNever } from '../../errors.ts';
import { convertOpenAIUsage } from './convert-openai-usage.ts';
import { mapStopReasonToFinishReason } from './map-stop-reason-to-finish-reason.ts';
import type { ChatCompletionChunk } from './openai-chat-wire.ts';

type ChunkDelta = ChatCompletionChunk.Choice.Delta & { reasoning_content?: string };

export interface OpenAIChatStreamState {
  id: string;
  /** Unix seconds, shared by every chunk of the completion. */
  created: number;
  includeUsage: boolean;
  /** The model the upstream reports (message_start). */
  model: string;
  /** OpenAI tool_call index for each Anthropic block index that is a tool_use. */
  toolCallIndexByBlock: Map<number, number>;
  usage: Partial<Usage>;
  stopReason: string | null;
  finished: boolean;
}

export function createOpenAIChatStreamState(options: { id: string; created: number; includeUsage: boolean; model: string }): OpenAIChatStreamState {
  return { ...options, toolCallIndexByBlock: new Map(), usage: {}, stopReason: null, finished: false };
}

export function stepOpenAIChatChunks(state: OpenAIChatStreamState, event: RawMessageStreamEvent): ChatCompletionChunk[] {
  switch (event.type) {
    case 'message_start':
      state.model = event.message.model;
      state.usage = { ...event.message.usage };
      return [chunk(state, { role: 'assistant', content: '' })];
    case 'content_block_start': {
      const block = event.content_block;
      if (block.type !== 'tool_use') return [];
      const index = state.toolCallIndexByBlock.size;
      state.toolCallIndexByBlock.set(event.index, index);
      return [chunk(state, { tool_calls: [{ index, id: block.id, type: 'function', function: { name: block.name, arguments: '' } }] })];
    }
    case 'content_block_delta': {
      const delta = event.delta;
      switch (delta.type) {
        case 'text_delta':
          return delta.text === '' ? [] : [chunk(state, { content: delta.text })];
        case 'thinking_delta':
          return delta.thinking === '' ? [] : [chunk(state, { reasoning_content: delta.thinking })];
        case 'input_json_delta': {
          const index = state.toolCallIndexByBlock.get(event.index);
          if (index == null || delta.partial_json === '') return [];
          return [chunk(state, { tool_calls: [{ index, function: { arguments: delta.partial_json } }] })];
        }
        case 'signature_delta':
        case 'citations_delta':
          return [];
        default:
          return assertNever(delta, 'content block delta');
      }
    }
    case 'content_block_stop':
      return [];
    case 'message_delta': {
      state.stopReason = event.delta.stop_reason;
      applyUsageDelta(state.usage, event.usage);
      return [];
    }
    case 'message_stop':
      return finishOpenAIChatChunks(state);
    default:
      return assertNever(event, 'stream event');
  }
}

/** The finish chunk and, when asked for, the usage chunk. Idempotent. */
export function finishOpenAIChatChunks(state: OpenAIChatStreamState): ChatCompletionChunk[] {
  if (state.finished) return [];
  state.finished = true;
  const finishReason = state.toolCallIndexByBlock.size > 0 && state.stopReason === 'tool_use' ? 'tool_calls' : mapStopReasonToFinishReason(state.stopReason);
  const chunks = [chunk(state, {}, finishReason)];
  if (state.includeUsage) chunks.push({ ...base(state), choices: [], usage: convertOpenAIUsage(state.usage) });
  return chunks;
}

function base(state: OpenAIChatStreamState): Omit<ChatCompletionChunk, 'choices'> {
  return { id: state.id, object: 'chat.completion.chunk', created: state.created, model: state.model };
}

function chunk(state: OpenAIChatStreamState, delta: ChunkDelta, finishReason: ChatCompletionChunk.Choice['finish_reason'] = null): ChatCompletionChunk {
  return {
    ...base(state),
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
    ...(state.includeUsage ? { usage: null } : {}),
  };
}
