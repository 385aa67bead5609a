import { describe, expect, it } from 'vitest';
import { plainTurnRequest } from '../core/turn-request.ts';
import { acquireProcess, stdinStepsFor } from './acquire-process.ts';
import { buildCliInvocation } from './build-cli-invocation.ts';
import type { ClaudeProcess } from './claude-process.ts';
import { parseCliLine, type CliControlRequestLine } from './cli-lines.ts';
import type { HeldCalls } from './conversation-affinity.ts';

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
const process = (name: string) => {
  const child = { name, terminated: false, terminate: async () => ((child.terminated = true), { code: null, signal: 'SIGTERM' }) };
  return child as unknown as ClaudeProcess & { terminated: boolean };
};

function sources(options: { kept?: ClaudeProcess; held?: HeldCalls; rewindTo?: string; warm?: { process: ClaudeProcess; exact: boolean } } = {}) {
  const spawned: ClaudeProcess[] = [];
  return {
    spawned,
    sources: {
      conversations: {
        take: () =>
          options.kept != null ? { process: options.kept, held: options.held, ...(options.rewindTo != null ? { rewindTo: options.rewindTo } : {}) } : undefined,
      },
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

  it('cuts a process holding one more exchange back to before its last user message, then sends the new one', () => {
    const kept = process('kept');
    const acquired = acquireProcess(sources({ kept, rewindTo: 'uuid-of-q2' }).sources, invocation, settings);
    expect(acquired).toMatchObject({ process: kept, kind: 'rewound' });
    expect(acquired.steps.map((step) => [JSON.parse(step.line), step.awaitsAck])).toEqual([
      [{ type: 'control_request', request_id: 'rewind', request: { subtype: 'rewind_conversation', target_message_uuid: 'uuid-of-q2' } }, true],
      [JSON.parse(invocation.stdinSteps.at(-1)!.line), false],
    ]);
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

  describe('a kept process waiting on tool calls (held)', () => {
    const toolInvocation = buildCliInvocation(
      plainTurnRequest('sonnet', {
        tools: [{ name: 'read_file', description: undefined, inputSchema: { type: 'object' } }],
        messages: [
          { role: 'user', content: 'read a.ts' },
          { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_A', name: 'read_file', input: { path: 'a.ts' } }] },
          { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_A', content: 'contents' }] },
        ],
      }),
      { claudePath: 'claude', cwd: '/w', environment: {}, newId: () => 'id' },
    );
    const prompt = parseCliLine(
      JSON.stringify({ type: 'control_request', request_id: 'p1', request: { subtype: 'can_use_tool', tool_use_id: 'toolu_A', input: { path: 'a.ts' } } }),
    ) as CliControlRequestLine;
    const held: HeldCalls = { calls: [{ id: 'toolu_A', name: 'mcp__t__read_file', input: { path: 'a.ts' } }], prompts: [prompt] };

    it('is answered: its open permission prompt allowed, the results ready for its tools/call', () => {
      const waiting = process('held');
      const acquired = acquireProcess(sources({ kept: waiting, held }).sources, toolInvocation, { ...settings, invocation: toolInvocation });
      expect(acquired).toMatchObject({ process: waiting, kind: 'held' });
      expect(acquired.steps.map((step) => JSON.parse(step.line) as unknown)).toEqual([
        { type: 'control_response', response: { subtype: 'success', request_id: 'p1', response: { behavior: 'allow', updatedInput: { path: 'a.ts' } } } },
      ]);
      expect([...acquired.answers!.entries()]).toEqual([['toolu_A', { content: [{ type: 'text', text: 'contents' }] }]]);
    });

    it('is ended when the request does not bring the results of its calls, and the turn goes on elsewhere', () => {
      const waiting = process('held');
      const { sources: from, spawned } = sources({ kept: waiting, held });
      // The same conversation, but the user wrote a message instead of running the tool.
      const acquired = acquireProcess(from, invocation, settings);
      expect(acquired.kind).toBe('cold');
      expect(spawned).toHaveLength(1);
      expect((waiting as unknown as { terminated: boolean }).terminated).toBe(true);
    });
  });

  it('knows the steps of every kind', () => {
    expect(stdinStepsFor('cold', invocation)).toBe(invocation.stdinSteps);
    expect(stdinStepsFor('kept', invocation)).toHaveLength(1);
    expect(stdinStepsFor('held', invocation)).toEqual([]);
    expect(stdinStepsFor('rewound', invocation)).toEqual([invocation.stdinSteps.at(-1)]);
  });
});
