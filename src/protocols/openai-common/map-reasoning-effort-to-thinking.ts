/**
 * @module
 * PURE. OpenAI's reasoning effort (Chat Completions `reasoning_effort`, Responses `reasoning.effort`) as Claude
 * thinking: adaptive thinking at that effort; `minimal` is Claude's lowest effort; none or unset turns thinking off.
 */
import type { Effort, ThinkingSetting } from '../../core/turn-request.ts';
import { assertNever } from '../../errors.ts';

export type OpenAIReasoningEffort = 'none' | 'minimal' | 'low' | 'medium' | 'high' | 'xhigh' | 'max' | null | undefined;

export function mapReasoningEffortToThinking(effort: OpenAIReasoningEffort, field: string): { thinking: ThinkingSetting; effort: Effort | undefined } {
  switch (effort) {
    case undefined:
    case null:
    case 'none':
      return { thinking: { type: 'disabled' }, effort: undefined };
    case 'minimal':
      return { thinking: { type: 'adaptive' }, effort: 'low' };
    case 'low':
    case 'medium':
    case 'high':
    case 'xhigh':
    case 'max':
      return { thinking: { type: 'adaptive' }, effort };
    default:
      return assertNever(effort, field);
  }
}
