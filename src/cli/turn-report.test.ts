import { describe, expect, it } from 'vitest';
import { fixtureEvents } from '../../test/support/anthropic-events.ts';
import { ClientDisconnectedError, ProxyError } from '../errors.ts';
import { finishTurnReport, recordRunEvent, recordTurnEvent, startTurnReport } from './turn-report.ts';

describe('turn reports', () => {
  it('records how the turn was served, the model that answered, its time to first token, its tokens and its stop reason', () => {
    const report = startTurnReport('sonnet', 'key 2', 1_000);
    recordRunEvent(report, { type: 'acquired', processKind: 'warm', queueWaitMs: 12 });
    recordRunEvent(report, { type: 'first_line', sinceAcquiredMs: 40 });
    fixtureEvents('text').forEach((event, index) => recordTurnEvent(report, event, 1_100 + index));
    expect(finishTurnReport(report, undefined, 1_500)).toEqual({
      // The alias the client asked for, as the upstream names the model that answered.
      model: 'claude-sonnet-4-6',
      requestedModel: 'sonnet',
      caller: 'key 2',
      processKind: 'warm',
      queueWaitMs: 12,
      startupMs: 40,
      ttftMs: 101,
      durationMs: 500,
      usage: { inputTokens: 12, outputTokens: 5, cacheReadInputTokens: 0, cacheCreationInputTokens: 0 },
      stopReason: 'end_turn',
      outcome: 'completed',
      error: undefined,
    });
  });

  it('records a failure with its status and what it shows about the CLI, and a disconnect as such', () => {
    const failed = finishTurnReport(
      startTurnReport('sonnet', undefined, 0),
      new ProxyError('authentication', 'Not logged in', { cliCondition: 'cli_not_logged_in' }),
      5,
    );
    expect(failed).toMatchObject({
      outcome: 'failed',
      processKind: undefined,
      error: { status: 401, kind: 'authentication', cliCondition: 'cli_not_logged_in' },
    });
    expect(finishTurnReport(startTurnReport('sonnet', undefined, 0), new ClientDisconnectedError(), 5)).toMatchObject({
      outcome: 'disconnected',
      error: undefined,
    });
    expect(finishTurnReport(startTurnReport('sonnet', undefined, 0), undefined, 5)).toMatchObject({ outcome: 'disconnected', model: 'sonnet' });
  });
});
