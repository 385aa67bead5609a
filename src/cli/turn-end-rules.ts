/**
 * @module
 * PURE. Rules the runner applies while a turn's lines come in and when it ends: which kinds of process already hold
 * the conversation, when a CLI without the one-call limit must be stopped before it asks the model again, and how the
 * answer to a rewind step is read.
 */
import { ProxyError } from '../errors.ts';
import type { TurnRequest } from '../core/turn-request.ts';
import { hasOneCallLimit, REWIND_REQUEST_ID } from './build-cli-invocation.ts';
import { parseCliLine, type CliLine } from './cli-lines.ts';
import type { ProcessKind } from './cli-runner.ts';

/**
 * Whether a CLI without the one-call limit would ask the model again by itself after a message that stopped for this
 * reason: anything but a call of the client's tools (the process is held on it) or a finished answer (it is kept).
 */
export function asksAgainAfter(request: TurnRequest, stopReason: string | undefined): boolean {
  return !hasOneCallLimit(request) && stopReason != null && stopReason !== 'tool_use' && stopReason !== 'end_turn';
}

/**
 * The stop reason of a stdout line when it is the model's message_delta, else undefined. Read on every line as it
 * arrives (ClaudeProcess.onLine): only lines that can be one are parsed.
 */
export function stopReasonOfLine(text: string): string | undefined {
  if (!text.includes('"message_delta"')) return undefined;
  const line = parseCliLine(text);
  if (line.type !== 'stream_event' || line.parent_tool_use_id != null || line.event.type !== 'message_delta') return undefined;
  const stopReason = (line.event as { delta?: { stop_reason?: unknown } }).delta?.stop_reason;
  return typeof stopReason === 'string' ? stopReason : undefined;
}

/** The end of a message whose CLI was stopped at its stop reason, before it printed its own. */
export const MESSAGE_STOP_LINE: CliLine = { type: 'stream_event', event: { type: 'message_stop' }, parent_tool_use_id: null };

/** Kinds whose process already holds the conversation (it was started for an earlier turn of it). */
export function continuesConversation(kind: ProcessKind): boolean {
  return kind === 'kept' || kind === 'held' || kind === 'rewound';
}

/**
 * Refusals that pass: the CLI is still closing its previous turn (it answers "turn running" for a few milliseconds
 * after its `result` line, measured on 2.1.332), or has input of its own still to take ("commands queued", "prompt
 * pending": the other transient answers its rewind handler has, read from the 2.1.332 binary).
 */
const PASSING_REFUSALS = new Set(['turn running', 'commands queued', 'prompt pending']);

/**
 * The CLI's answer to the rewind step (a rewound turn, acquire-process.ts), or undefined for any other line.
 * `busy`: a passing refusal, so the step is to be written again. Any other refusal cannot be worked around on this
 * process: the turn fails before anything reached the client, and the process is ended.
 */
export function rewindAnswer(line: CliLine): 'rewound' | 'busy' | undefined {
  if (line.type !== 'control_response' || line.response.request_id !== REWIND_REQUEST_ID) return undefined;
  const answer = line.response.response;
  if (answer?.rewound === true) return 'rewound';
  if (answer?.error != null && PASSING_REFUSALS.has(answer.error)) return 'busy';
  throw new ProxyError('api_error', `The CLI could not rewind the conversation for this request (${answer?.error ?? 'no reason given'}); retry it`, {
    status: 500,
  });
}
