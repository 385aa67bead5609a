import { describe, expect, it } from 'vitest';
import { applyDefaultSettings, bodyChoosesThinking } from './apply-default-settings.ts';
import { plainTurnRequest } from './turn-request.ts';

describe('applyDefaultSettings', () => {
  const defaults = { model: 'claude-opus-4-8', effort: 'high' as const, thinking: true };

  it('fills the model for `default`, the effort and adaptive thinking where the client left them open', () => {
    const turn = applyDefaultSettings(plainTurnRequest('default'), defaults, { choseThinking: false });
    expect(turn).toMatchObject({ model: 'claude-opus-4-8', effort: 'high', thinking: { type: 'adaptive' } });
  });

  it('never overrides what the client chose', () => {
    const chosen = plainTurnRequest('sonnet', { effort: 'low', thinking: { type: 'enabled', budgetTokens: 2048 } });
    expect(applyDefaultSettings(chosen, defaults, { choseThinking: true })).toBe(chosen);
    const off = plainTurnRequest('sonnet');
    expect(applyDefaultSettings(off, { ...defaults, effort: undefined }, { choseThinking: true })).toBe(off);
  });

  it('changes nothing without defaults', () => {
    const turn = plainTurnRequest('default');
    expect(applyDefaultSettings(turn, { model: undefined, effort: undefined, thinking: false }, { choseThinking: false })).toBe(turn);
  });
});

describe('bodyChoosesThinking', () => {
  it('sees thinking, reasoning_effort and reasoning', () => {
    expect(bodyChoosesThinking({ thinking: { type: 'disabled' } })).toBe(true);
    expect(bodyChoosesThinking({ reasoning_effort: 'low' })).toBe(true);
    expect(bodyChoosesThinking({ reasoning: { effort: 'high' } })).toBe(true);
    expect(bodyChoosesThinking({ model: 'x' })).toBe(false);
  });
});
