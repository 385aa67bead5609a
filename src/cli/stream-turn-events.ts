/**
 * @module
 * One turn as Anthropic raw stream events: the runner's parsed lines, translated (convert-cli-lines-to-anthropic-
 * events.ts), then the CLI's mechanics undone (its StructuredOutput tool, the `mcp__t__` tool names, calls of tools the
 * client never declared), then the request's own limits applied (core: one tool call per message, stop sequences).
 * Every API route consumes this; each protocol translates the events. When the turn ends it leaves one TurnReport.
 */
import type { RawMessageStreamEvent } from '@anthropic-ai/sdk/resources/messages';
import { createStopSequenceState, stepStopSequences } from '../core/apply-stop-sequences.ts';
import { createParallelToolCallState, stepParallelToolCalls } from '../core/limit-parallel-tool-calls.ts';
import type { TurnRequest } from '../core/turn-request.ts';
import { stripToolNamePrefix, TOOL_NAME_PREFIX } from './client-tool-names.ts';
import type { CliRateLimitInfo } from './cli-lines.ts';
import type { CliRunner, RunEvent, RunOptions } from './cli-runner.ts';
import { createCliEventState, stepCliEvents } from './convert-cli-lines-to-anthropic-events.ts';
import { createStructuredOutputState, stepStructuredOutput } from './convert-structured-output.ts';
import { createMcpRoundsState, stepMcpRounds } from './mcp-tool-rounds.ts';
import { createUndeclaredToolCallState, stepUndeclaredToolCalls } from './end-at-undeclared-tool-call.ts';
import { finishTurnReport, recordRunEvent, recordTurnEvent, startTurnReport, type TurnReport } from './turn-report.ts';

export interface StreamTurnOptions extends Omit<RunOptions, 'onRunEvent'> {
  /** Milliseconds since the epoch (injected clock). */
  now: () => number;
  /** Called once the turn has a CLI slot: keep-alives wait for it, so a queued request can still get a real 429. */
  onStarted?: () => void;
  /** The caller's key name, for the report. */
  caller?: string | undefined;
  /** Receives the turn's report when it ends, whatever the outcome. */
  onReport?: (report: TurnReport) => void;
  /** Receives each quota report of the CLI (subscription logins only), as it arrives. */
  onQuota?: (info: CliRateLimitInfo) => void;
  /**
   * The login is a subscription: after a finished answer the turn reads on to the CLI's quota line, which comes right
   * after message_stop (measured on 2.1.197 and 2.1.332). With an API key no such line comes, and the turn ends at once.
   */
  awaitQuota?: boolean;
}

export async function* streamTurnEvents(runner: CliRunner, request: TurnRequest, options: StreamTurnOptions): AsyncGenerator<RawMessageStreamEvent> {
  const report = startTurnReport(request.model, options.caller, options.now());
  const onRunEvent = (event: RunEvent): void => {
    recordRunEvent(report, event);
    if (event.type === 'acquired') options.onStarted?.();
  };
  const state = createCliEventState();
  const mcpRounds = createMcpRoundsState(request.mcpServers.map((server) => server.name));
  const stops = createStopSequenceState(request.stopSequences);
  const structured = request.outputSchema != null ? createStructuredOutputState() : undefined;
  const oneToolCall = request.parallelToolCalls ? undefined : createParallelToolCallState();
  const declaredTools = createUndeclaredToolCallState(request.tools.map((tool) => `${TOOL_NAME_PREFIX}${tool.name}`));
  let failure: unknown;
  /** The answer is complete and relayed; only its quota line is still read. */
  let awaitingQuota = false;
  try {
    for await (const line of runner.run(request, { signal: options.signal, log: options.log, onRunEvent, environment: options.environment })) {
      if (line.type === 'rate_limit_event') options.onQuota?.(line.rate_limit_info);
      // The result line ends the wait as well: the CLI writes it right after the quota line, or alone.
      if (awaitingQuota) {
        if (line.type === 'rate_limit_event' || line.type === 'result') return;
        continue;
      }
      if (line.type === 'invalid') options.log.warn({ reason: line.reason, line: line.text.slice(0, 500) }, 'unreadable CLI line');
      else if (line.type === 'unknown') options.log.debug({ line: line.raw }, 'ignored CLI line');
      const cliEvents = stepMcpRounds(mcpRounds, line).flatMap((folded) => stepCliEvents(state, folded, { nowSeconds: options.now() / 1000 }));
      for (const cliEvent of cliEvents) {
        for (const declared of stepUndeclaredToolCalls(declaredTools, structured != null ? stepStructuredOutput(structured, cliEvent) : cliEvent)) {
          const event = stripToolNamePrefix(declared);
          for (const limited of oneToolCall != null ? stepParallelToolCalls(oneToolCall, event) : [event]) {
            for (const relayed of stepStopSequences(stops, limited)) {
              recordTurnEvent(report, relayed, options.now());
              yield relayed;
            }
          }
        }
      }
      if (declaredTools.endedAt != null)
        options.log.warn({ tool: declaredTools.endedAt.slice(0, 200) }, 'the model called a tool the request did not declare; the message ends there');
      // Stopping ends the runner and with it the process. The turn is over at message_stop: waiting for the
      // result line would let the CLI make another model call (e.g. after a tool_use it cannot run).
      if (stops.stopped || oneToolCall?.stopped === true || declaredTools.endedAt != null || state.phase === 'finished') return;
      if (state.phase === 'message_done') {
        // Only after end_turn: after a tool call the CLI would wait on it (no result line), and a cut answer ends at once.
        if (options.awaitQuota !== true || report.stopReason !== 'end_turn') return;
        awaitingQuota = true;
      }
    }
  } catch (error) {
    failure = error;
    throw error;
  } finally {
    options.onReport?.(finishTurnReport(report, failure, options.now()));
  }
}
