import { describe, expect, it } from 'vitest';
import { plainTurnRequest } from '../core/turn-request.ts';
import { acquireProcess, stdinStepsFor } from './acquire-process.ts';
import { buildCliInvocation } from './build-cli-invocation.ts';
import type { ClaudeProcess } from './claude-process.ts';

const invocation = buildCliInvocation(
  plainTurnRequest('sonnet', {
    messages: [
      { role: 'user', content: 'q1' },
      { role: 'assistant', content: 'a1' },
      { role: 'user', content: 'q2' },
    ],
  }),
  { claudePath: 'claude', cwd: '/w', environment: {}, newId: () => 'id' },
);
const settings = { invocation, system: [], tools: [], outputSchema: undefined };
const process = (name: string) => ({ name }) as unknown as ClaudeProcess;

function sources(options: { kept?: ClaudeProcess; warm?: { process: ClaudeProcess; exact: boolean } } = {}) {
  const spawned: ClaudeProcess[] = [];
  return {
    spawned,
    sources: {
      conversations: { take: () => options.kept },
      pool: { take: () => options.warm },
      spawn: () => {
        const child = process('cold');
        spawned.push(child);
        return child;
      },
    },
  };
}

describe('acquireProcess', () => {
  it('takes the process holding the conversation first, and sends it only the new message', () => {
    const kept = process('kept');
    const { sources: from, spawned } = sources({ kept, warm: { process: process('warm'), exact: true } });
    const acquired = acquireProcess(from, invocation, settings);
    expect(acquired).toMatchObject({ process: kept, kind: 'kept' });
    expect(acquired.steps).toEqual([invocation.stdinSteps.at(-1)]);
    expect(spawned).toEqual([]);
  });

  it('takes a warm process next: the whole stdin, after the late settings when it was started with other values', () => {
    expect(acquireProcess(sources({ warm: { process: process('warm'), exact: true } }).sources, invocation, settings)).toMatchObject({
      kind: 'warm',
      steps: invocation.stdinSteps,
    });
    const late = acquireProcess(sources({ warm: { process: process('warm'), exact: false } }).sources, invocation, settings);
    expect(late.kind).toBe('warm-late-settings');
    expect(late.steps).toEqual([invocation.lateEnvStep, ...invocation.stdinSteps]);
  });

  it('spawns a process when neither has one', () => {
    const { sources: from, spawned } = sources();
    expect(acquireProcess(from, invocation, settings)).toMatchObject({ kind: 'cold', steps: invocation.stdinSteps });
    expect(spawned).toHaveLength(1);
  });

  it('knows the steps of every kind', () => {
    expect(stdinStepsFor('cold', invocation)).toBe(invocation.stdinSteps);
    expect(stdinStepsFor('kept', invocation)).toHaveLength(1);
  });
});
