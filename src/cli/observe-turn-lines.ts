/**
 * @module
 * PURE. What the runner must know about a turn from the CLI's parsed lines: the answer as the CLI itself recorded it
 * (its `assistant` lines) and whether the turn ended cleanly at message_stop, so that the process can be kept for the
 * conversation's next turn (conversation-affinity.ts); the phase the idle watchdog judges by; the model id the CLI
 * resolved.
 */
import type { ContentBlockParam } from '@anthropic-ai/sdk/resources/messages';
import type { CliLine, CliResultLine } from './cli-lines.ts';

export interface TurnObservation {
  /** The answer's content blocks, as the CLI will send them upstream in the next turn. */
  reply: ContentBlockParam[];
  /** The last line handed to the consumer was message_stop: the consumer did not stop the turn early. */
  endedAtMessageStop: boolean;
  /** The answer's stop reason, from its message_delta. */
  stopReason: string | undefined;
}

export function createTurnObservation(): TurnObservation {
  return { reply: [], endedAtMessageStop: false, stopReason: undefined };
}

export function observeTurnLine(observation: TurnObservation, line: CliLine): void {
  // The quota line follows message_stop (measured on 2.1.197 and 2.1.332); the turn reads it and still ended there.
  if (line.type === 'rate_limit_event') return;
  observation.endedAtMessageStop = line.type === 'stream_event' && line.event.type === 'message_stop';
  if (line.type === 'stream_event' && line.parent_tool_use_id == null && line.event.type === 'message_delta') {
    const delta = (line.event as { delta?: { stop_reason?: unknown } }).delta;
    if (typeof delta?.stop_reason === 'string') observation.stopReason = delta.stop_reason;
  }
  // The blocks as the CLI recorded them (checked on their type only: they go back to the same CLI, verbatim).
  if (line.type === 'assistant' && line.parent_tool_use_id == null) observation.reply.push(...(line.message.content as unknown as ContentBlockParam[]));
}

/**
 * What the model is doing, as far as the idle watchdog cares. `text`: it is writing text, token by token, so a long
 * silence means the stream stalled. `quiet`: anything else (reading the prompt, thinking, writing a tool call's
 * input, between blocks), where the upstream may be silent for minutes while healthy: the API sends only pings
 * then, and the CLI forwards none (measured on 2.1.197: pings every 2 s for 20 s gave no stdout line at all), and
 * it buffers each tool input parameter before sending it.
 */
export type StreamPhase = 'text' | 'quiet';

export function phaseAfterLine(phase: StreamPhase, line: CliLine): StreamPhase {
  if (line.type !== 'stream_event') return phase;
  const event = line.event as { type: string; delta?: { type?: unknown } };
  return event.type === 'content_block_delta' && event.delta?.type === 'text_delta' ? 'text' : 'quiet';
}

/** Blocks a conversation can go on from: no tool call waiting for a result, nothing the CLI itself added. */
const CONTINUABLE_BLOCKS = new Set<string>(['text', 'thinking', 'redacted_thinking']);

/**
 * True when the answer leaves the conversation where the next turn can go on from it: the consumer took all of
 * it and it holds no tool call (the CLI would be waiting on that call, not on the next user message).
 */
export function answerIsContinuable(observation: TurnObservation): boolean {
  return observation.endedAtMessageStop && observation.reply.length > 0 && observation.reply.every((block) => CONTINUABLE_BLOCKS.has(block.type));
}

/**
 * A kept CLI judges the size of the next request by the usage of the last answer it holds, and refuses near the
 * context window ("Prompt is too long") where a fresh process, whose replayed answers carry no usage, sends the
 * request (measured on 2.1.197: refused at 197,500 tokens, sent at 195,000). Conversations this large are not kept.
 */
export const CONTINUE_TOKEN_LIMIT = 150_000;

/**
 * True when the CLI's `result` line says the model finished (end_turn) without an error, and the conversation is
 * well below the context window.
 */
export function resultAllowsContinuing(result: CliResultLine): boolean {
  if (result.subtype !== 'success' || result.is_error || result.stop_reason !== 'end_turn') return false;
  const usage = result.usage ?? {};
  const tokens = (usage.input_tokens ?? 0) + (usage.cache_creation_input_tokens ?? 0) + (usage.cache_read_input_tokens ?? 0) + (usage.output_tokens ?? 0);
  return tokens < CONTINUE_TOKEN_LIMIT;
}

/**
 * The model id of a `system/init` line: the id the CLI resolved the --model value to (an alias such as `sonnet`
 * names another model on each CLI version: claude-sonnet-5 on 2.1.197, claude-sonnet-5-5 on 2.1.332).
 */
export function announcedModelOf(line: CliLine): string | undefined {
  return line.type === 'system' && line.subtype === 'init' ? line.model : undefined;
}
