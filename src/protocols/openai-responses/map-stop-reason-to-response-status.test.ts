import { describe, expect, it } from 'vitest';
import { mapStopReasonToResponseStatus } from './map-stop-reason-to-response-status.ts';

describe('mapStopReasonToResponseStatus', () => {
  it.each([
    ['end_turn', 'completed', null],
    ['stop_sequence', 'completed', null],
    ['tool_use', 'completed', null],
    ['pause_turn', 'completed', null],
    [null, 'completed', null],
    ['max_tokens', 'incomplete', { reason: 'max_output_tokens' }],
    ['model_context_window_exceeded', 'incomplete', { reason: 'max_output_tokens' }],
    ['refusal', 'incomplete', { reason: 'content_filter' }],
  ])('maps %s to %s', (stopReason, status, details) => {
    expect(mapStopReasonToResponseStatus(stopReason)).toEqual({ status, incomplete_details: details });
  });
});
