/**
 * @module
 * One turn as Anthropic raw stream events: the runner's stdout lines, parsed and translated.
 * Every API route consumes this; each protocol translates the events (or passes them through).
 */
import type { RawMessageStreamEvent } from '@anthropic-ai/sdk/resources/messages';
import { parseCliLine } from '../cli/cli-lines.ts';
import type { CliRunner, RunOptions } from '../cli/cli-runner.ts';
import { createCliEventState, stepCliEvents } from '../cli/convert-cli-lines-to-anthropic-events.ts';
import { createStopSequenceState, stepStopSequences } from './apply-stop-sequences.ts';
import { stripToolNamePrefix, TOOL_NAME_PREFIX } from './client-tools.ts';
import { createStructuredOutputState, stepStructuredOutput } from './convert-structured-output.ts';
import { createUndeclaredToolCallState, stepUndeclaredToolCalls } from './end-at-undeclared-tool-call.ts';
import { createParallelToolCallState, stepParallelToolCalls } from './limit-parallel-tool-calls.ts';
import type { TurnRequest } from './turn-request.ts';

export interface StreamTurnOptions extends RunOptions {
  /** Milliseconds since the epoch (injected clock). */
  now: () => number;
}

export async function* streamTurnEvents(runner: CliRunner, request: TurnRequest, options: StreamTurnOptions): AsyncGenerator<RawMessageStreamEvent> {
  const state = createCliEventState();
  const stops = createStopSequenceState(request.stopSequences);
  const structured = request.outputSchema != null ? createStructuredOutputState() : undefined;
  const oneToolCall = request.parallelToolCalls ? undefined : createParallelToolCallState();
  const declaredTools = createUndeclaredToolCallState(request.tools.map((tool) => `${TOOL_NAME_PREFIX}${tool.name}`));
  for await (const text of runner.run(request, options)) {
    const line = parseCliLine(text);
    if (line.type === 'invalid') options.log.warn({ reason: line.reason, line: line.text.slice(0, 500) }, 'unreadable CLI line');
    else if (line.type === 'unknown') options.log.debug({ line: line.raw }, 'ignored CLI line');
    for (const cliEvent of stepCliEvents(state, line, { nowSeconds: options.now() / 1000 })) {
      for (const declared of stepUndeclaredToolCalls(declaredTools, structured != null ? stepStructuredOutput(structured, cliEvent) : cliEvent)) {
        const event = stripToolNamePrefix(declared);
        for (const limited of oneToolCall != null ? stepParallelToolCalls(oneToolCall, event) : [event]) yield* stepStopSequences(stops, limited);
      }
    }
    if (declaredTools.endedAt != null) options.log.warn({ tool: declaredTools.endedAt.slice(0, 200) }, 'the model called a tool the request did not declare; the message ends there');
    // Stopping ends the runner and with it the process. The turn is over at message_stop: waiting for the
    // result line would let the CLI make another model call (e.g. after a tool_use it cannot run).
    if (stops.stopped || oneToolCall?.stopped === true || declaredTools.endedAt != null || state.phase === 'finished' || state.phase === 'message_done') return;
  }
}
