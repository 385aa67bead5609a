/**
 * @module
 * What every API route does with its converted request: report the ignored fields, start the turn (killed when the
 * client goes away), and either stream its events or fold them into the final message.
 */
import type { Message, RawMessageStreamEvent } from '@anthropic-ai/sdk/resources/messages';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { streamTurnEvents } from '../core/stream-turn-events.ts';
import type { TurnRequest } from '../core/turn-request.ts';
import { accumulateMessage, createMessageAccumulator, finishMessage } from '../protocols/anthropic/accumulate-message.ts';
import { abortOnDisconnect } from './abort-on-disconnect.ts';
import type { AppDependencies } from './create-app.ts';

export interface RunningTurn {
  events: AsyncIterable<RawMessageStreamEvent>;
  /** True once the turn has a CLI slot: keep-alives wait for it, so a queued request can still get a real 429. */
  started: () => boolean;
}

export function runTurn(request: FastifyRequest, reply: FastifyReply, dependencies: AppDependencies, turn: TurnRequest, ignored: readonly string[]): RunningTurn {
  if (ignored.length > 0) void reply.header('x-proxy-ignored', ignored.join(', '));
  let started = false;
  const events = streamTurnEvents(dependencies.runner, turn, { signal: abortOnDisconnect(reply), log: request.log, now: dependencies.now, onStarted: () => (started = true) });
  return { events, started: () => started };
}

/** The whole turn as one Message (non-streaming responses). */
export async function collectMessage(events: AsyncIterable<RawMessageStreamEvent>): Promise<Message> {
  const accumulator = createMessageAccumulator();
  for await (const event of events) accumulateMessage(accumulator, event);
  return finishMessage(accumulator);
}
