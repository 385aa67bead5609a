/**
 * @module
 * A turn's CLI output as the runner reads it: stdout lines parsed once, under the guards (guard-lines.ts), with the
 * CLI's own requests (MCP messages, permission prompts) answered on its stdin rather than passed on.
 */
import type { ClientTool } from '../core/turn-request.ts';
import { answerControlRequest } from './answer-control-request.ts';
import type { ClaudeProcess } from './claude-process.ts';
import { parseCliLine, type CliControlRequestLine, type CliLine } from './cli-lines.ts';
import { guardLines, type GuardLimits, type Watch } from './guard-lines.ts';
import type { McpToolResult } from './held-tool-calls.ts';
import { phaseAfterLine } from './observe-turn-lines.ts';

/** What the CLI's requests are answered from: the turn's tools, the client's results when calls are continued. */
export interface Answering {
  tools: readonly ClientTool[];
  answers: ReadonlyMap<string, McpToolResult> | undefined;
  /** Receives the permission prompts left unanswered. */
  unanswered: CliControlRequestLine[];
}

/**
 * The CLI's stdout lines, parsed once, under the guards (guard-lines.ts), without its own requests: those are answered
 * on its stdin here (answer-control-request.ts). The watch follows the phase for the idle limit.
 */
export async function* outputLines(
  child: ClaudeProcess,
  signal: AbortSignal,
  limits: GuardLimits,
  answering: Answering,
  watch: Watch,
): AsyncGenerator<CliLine> {
  for await (const text of guardLines(child.lines(), signal, limits, watch)) {
    const line = parseCliLine(text);
    watch.phase = phaseAfterLine(watch.phase, line);
    if (line.type !== 'control_request') {
      yield line;
      continue;
    }
    const response = answerControlRequest(line, answering.tools, answering.answers);
    if (response != null) child.writeLine(JSON.stringify(response));
    else if (line.request.subtype === 'can_use_tool') answering.unanswered.push(line);
  }
}
