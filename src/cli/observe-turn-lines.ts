/**
 * @module
 * PURE. What the runner must know about a turn to keep its process for the conversation's next turn
 * (conversation-affinity.ts): the answer as the CLI itself recorded it (its `assistant` lines), and whether the
 * turn ended cleanly at message_stop. Cheap substring checks first: most lines are text deltas and are not parsed here.
 */
import type { ContentBlockParam } from '@anthropic-ai/sdk/resources/messages';

export interface TurnObservation {
  /** The answer's content blocks, as the CLI will send them upstream in the next turn. */
  reply: ContentBlockParam[];
  /** The last line handed to the consumer was message_stop: the consumer did not stop the turn early. */
  endedAtMessageStop: boolean;
}

export function createTurnObservation(): TurnObservation {
  return { reply: [], endedAtMessageStop: false };
}

export function observeTurnLine(observation: TurnObservation, line: string): void {
  // Pairs, not prefixes: the CLI's key order is not stable (2.1.332 writes its result line's `type` last). A quote
  // inside any text is escaped, so `"type":"..."` only matches the line's own fields.
  observation.endedAtMessageStop = line.includes('"type":"message_stop"') && line.includes('"type":"stream_event"');
  if (!line.includes('"type":"assistant"')) return;
  try {
    const parsed = JSON.parse(line) as { type?: unknown; message?: { content?: unknown } };
    if (parsed.type === 'assistant' && Array.isArray(parsed.message?.content)) observation.reply.push(...(parsed.message.content as ContentBlockParam[]));
  } catch {
    // Not an assistant line after all: leaves the reply as it was.
  }
}

/**
 * What the model is doing, as far as the idle watchdog cares. `text`: it is writing text, token by token, so a long
 * silence means the stream stalled. `quiet`: anything else (reading the prompt, thinking, writing a tool call's
 * input, between blocks), where the upstream may be silent for minutes while healthy: the API sends only pings
 * then, and the CLI forwards none (measured on 2.1.197: pings every 2 s for 20 s gave no stdout line at all), and
 * it buffers each tool input parameter before sending it. Checked on the key/value pairs, not on key order.
 */
export type StreamPhase = 'text' | 'quiet';

export function phaseAfterLine(phase: StreamPhase, line: string): StreamPhase {
  if (!line.includes('"type":"stream_event"')) return phase;
  return line.includes('"type":"text_delta"') ? 'text' : 'quiet';
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
export function resultAllowsContinuing(resultLine: string): boolean {
  try {
    const result = JSON.parse(resultLine) as { type?: unknown; subtype?: unknown; is_error?: unknown; stop_reason?: unknown; usage?: Record<string, unknown> };
    if (result.type !== 'result' || result.subtype !== 'success' || result.is_error !== false || result.stop_reason !== 'end_turn') return false;
    const tokens = ['input_tokens', 'cache_creation_input_tokens', 'cache_read_input_tokens', 'output_tokens'].reduce(
      (sum, key) => sum + (typeof result.usage?.[key] === 'number' ? (result.usage[key] as number) : 0),
      0,
    );
    return tokens < CONTINUE_TOKEN_LIMIT;
  } catch {
    return false;
  }
}

/**
 * The model id of a `system/init` line: the id the CLI resolved the --model value to (an alias such as `sonnet`
 * names another model on each CLI version: claude-sonnet-5 on 2.1.197, claude-sonnet-5-5 on 2.1.332).
 */
export function announcedModelOf(line: string): string | undefined {
  if (!line.includes('"subtype":"init"')) return undefined;
  try {
    const parsed = JSON.parse(line) as { type?: unknown; subtype?: unknown; model?: unknown };
    return parsed.type === 'system' && parsed.subtype === 'init' && typeof parsed.model === 'string' ? parsed.model : undefined;
  } catch {
    return undefined;
  }
}
