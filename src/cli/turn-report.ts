/**
 * @module
 * PURE. The one record a turn leaves behind: how it was served (process kind, wait for a slot, CLI start-up), how it
 * went (time to first token, duration, tokens, stop reason, outcome) and for whom (the caller's key). Built from the
 * runner's events and the turn's own Anthropic events; metrics, usage accounting and logs read it (issue 16), and the
 * CLI's health takes its evidence from it.
 */
import type { RawMessageStreamEvent } from '@anthropic-ai/sdk/resources/messages';
import { ClientDisconnectedError, ProxyError, type CliCondition, type ErrorKind } from '../errors.ts';
import type { ProcessKind, RunEvent } from './cli-runner.ts';

export interface TurnUsage {
  inputTokens: number;
  outputTokens: number;
  cacheReadInputTokens: number;
  cacheCreationInputTokens: number;
}

export interface TurnReport {
  /** The model that answered, as the upstream names it; the requested name when no answer started. */
  model: string;
  /** The model as the request named it (an alias such as `sonnet`, or a full id). */
  requestedModel: string;
  /** Which of the proxy's keys the request used, when keys are set. */
  caller: string | undefined;
  /** The subscription account that served it, when accounts are set (the server adds it). */
  account?: string | undefined;
  /** Undefined when the turn never got a process (a queue timeout, a shutdown). */
  processKind: ProcessKind | undefined;
  queueWaitMs: number | undefined;
  /** From getting the process to its first output line. */
  startupMs: number | undefined;
  /** From the start of the turn to its first content event. */
  ttftMs: number | undefined;
  durationMs: number;
  usage: TurnUsage | undefined;
  stopReason: string | undefined;
  outcome: 'completed' | 'failed' | 'disconnected';
  error: { status: number; kind: ErrorKind; cliCondition: CliCondition | undefined } | undefined;
}

export interface TurnReportBuilder {
  startedAt: number;
  model: string;
  requestedModel: string;
  caller: string | undefined;
  processKind: ProcessKind | undefined;
  queueWaitMs: number | undefined;
  startupMs: number | undefined;
  firstContentAt: number | undefined;
  usage: TurnUsage | undefined;
  stopReason: string | undefined;
  sawMessageStop: boolean;
}

export function startTurnReport(model: string, caller: string | undefined, now: number): TurnReportBuilder {
  return {
    startedAt: now,
    model,
    requestedModel: model,
    caller,
    processKind: undefined,
    queueWaitMs: undefined,
    startupMs: undefined,
    firstContentAt: undefined,
    usage: undefined,
    stopReason: undefined,
    sawMessageStop: false,
  };
}

export function recordRunEvent(report: TurnReportBuilder, event: RunEvent): void {
  switch (event.type) {
    case 'acquired':
      report.processKind = event.processKind;
      report.queueWaitMs = event.queueWaitMs;
      return;
    case 'first_line':
      report.startupMs = event.sinceAcquiredMs;
      return;
  }
}

/** Usage counters are cumulative whole-message totals: each report overwrites what it carries (as the SDKs do). */
export function recordTurnEvent(report: TurnReportBuilder, event: RawMessageStreamEvent, now: number): void {
  switch (event.type) {
    case 'message_start':
      // The model that answered, as the upstream names it: aliases (`sonnet`) and requested names become one id.
      if (event.message.model !== '') report.model = event.message.model;
      report.usage = mergeUsage(report.usage, event.message.usage);
      return;
    case 'content_block_start':
      report.firstContentAt ??= now;
      return;
    case 'message_delta':
      report.usage = mergeUsage(report.usage, event.usage);
      report.stopReason = event.delta.stop_reason ?? report.stopReason;
      return;
    case 'message_stop':
      report.sawMessageStop = true;
      return;
    default:
      return;
  }
}

interface UsageFields {
  input_tokens?: number | null;
  output_tokens?: number | null;
  cache_read_input_tokens?: number | null;
  cache_creation_input_tokens?: number | null;
}

function mergeUsage(current: TurnUsage | undefined, usage: UsageFields | undefined): TurnUsage | undefined {
  if (usage == null) return current;
  const base = current ?? { inputTokens: 0, outputTokens: 0, cacheReadInputTokens: 0, cacheCreationInputTokens: 0 };
  return {
    inputTokens: usage.input_tokens ?? base.inputTokens,
    outputTokens: usage.output_tokens ?? base.outputTokens,
    cacheReadInputTokens: usage.cache_read_input_tokens ?? base.cacheReadInputTokens,
    cacheCreationInputTokens: usage.cache_creation_input_tokens ?? base.cacheCreationInputTokens,
  };
}

export function finishTurnReport(report: TurnReportBuilder, error: unknown, now: number): TurnReport {
  const disconnected = error instanceof ClientDisconnectedError || (error == null && !report.sawMessageStop);
  return {
    model: report.model,
    requestedModel: report.requestedModel,
    caller: report.caller,
    processKind: report.processKind,
    queueWaitMs: report.queueWaitMs,
    startupMs: report.startupMs,
    ttftMs: report.firstContentAt != null ? report.firstContentAt - report.startedAt : undefined,
    durationMs: now - report.startedAt,
    usage: report.usage,
    stopReason: report.stopReason,
    outcome: disconnected ? 'disconnected' : error != null ? 'failed' : 'completed',
    error:
      error instanceof ProxyError
        ? { status: error.status, kind: error.kind, cliCondition: error.cliCondition }
        : error != null && !disconnected
          ? { status: 500, kind: 'api_error', cliCondition: undefined }
          : undefined,
  };
}
