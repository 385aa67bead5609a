import { describe, expect, it } from 'vitest';
import { mapStopReasonToFinishReason } from './map-stop-reason-to-finish-reason.ts';

describe('mapStopReasonToFinishReason', () => {
  it.each([
    ['end_turn', 'stop'],
    ['stop_sequence', 'stop'],
    ['pause_turn', 'stop'],
    ['max_tokens', 'length'],
    ['model_context_window_exceeded', 'length'],
    ['tool_use', 'tool_calls'],
    ['refusal', 'content_filter'],
    ['some_future_reason', 'stop'],
    [null, 'stop'],
    [undefined, 'stop'],
  ])('%s → %s', (stopReason, finishReason) => {
    expect(mapStopReasonToFinishReason(stopReason)).toBe(finishReason);
  });
});
