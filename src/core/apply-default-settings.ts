/**
 * @module
 * PURE. The original claude-code-proxy's defaults (DEFAULT_MODEL, DEFAULT_EFFORT, ENABLE_THINKING), applied to a
 * converted request: only where the client left the choice open, never over what it asked for.
 */
import type { Effort, TurnRequest } from './turn-request.ts';

export interface DefaultSettings {
  /** The CLI --model value for a request naming no model or `default`; undefined: the CLI's own `default` alias. */
  model: string | undefined;
  effort: Effort | undefined;
  /** Adaptive thinking for a request that says nothing about thinking or reasoning. */
  thinking: boolean;
}

/**
 * @example applyDefaultSettings(turn, { model: 'opus', effort: 'high', thinking: false }, { choseThinking: false })
 */
export function applyDefaultSettings(turn: TurnRequest, defaults: DefaultSettings, client: { choseThinking: boolean }): TurnRequest {
  const model = turn.model === 'default' && defaults.model != null ? defaults.model : turn.model;
  const effort = turn.effort ?? defaults.effort;
  const thinking = defaults.thinking && !client.choseThinking && turn.thinking.type === 'disabled' ? { type: 'adaptive' as const } : turn.thinking;
  if (model === turn.model && effort === turn.effort && thinking === turn.thinking) return turn;
  return { ...turn, model, effort, thinking };
}

/** Fields by which a request of any of the three APIs chooses thinking or reasoning itself. */
const THINKING_FIELDS = ['thinking', 'reasoning_effort', 'reasoning'] as const;

export function bodyChoosesThinking(body: unknown): boolean {
  if (typeof body !== 'object' || body == null) return false;
  return THINKING_FIELDS.some((field) => (body as Record<string, unknown>)[field] != null);
}
