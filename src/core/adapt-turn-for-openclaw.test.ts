import type { RawMessageStreamEvent } from '@anthropic-ai/sdk/resources/messages';
import { describe, expect, it } from 'vitest';
import { adaptTurnForOpenClaw } from './adapt-turn-for-openclaw.ts';
import { plainTurnRequest } from './turn-request.ts';

const turn = plainTurnRequest('sonnet', {
  system: ['You are OpenClaw.\n<tools>\nexec: run a command\n</tools>'],
  tools: [{ name: 'exec', description: 'Run a command', inputSchema: { type: 'object', properties: {} } }],
  messages: [
    { role: 'user', content: 'list' },
    { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'exec', input: {} }] },
    { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'a.txt' }] },
  ],
});

const callOf = (name: string): RawMessageStreamEvent => ({
  type: 'content_block_start',
  index: 0,
  content_block: { type: 'tool_use', id: 'toolu_2', name, input: {} } as never,
});

describe('adaptTurnForOpenClaw', () => {
  it('changes nothing with both settings off (the default)', () => {
    const adapted = adaptTurnForOpenClaw(turn, { toolMapping: false, promptFilter: false });
    expect(adapted.turn).toBe(turn);
    expect(adapted.toClient(callOf('Bash'))).toEqual(callOf('Bash'));
  });

  it('filters the system prompt only, with the prompt filter on', () => {
    const adapted = adaptTurnForOpenClaw(turn, { toolMapping: false, promptFilter: true });
    expect(adapted.turn).toEqual({ ...turn, system: ['You are OpenClaw.'] });
  });

  it('renames tools and history for the model and the calls back for the client, with the tool mapping on', () => {
    const adapted = adaptTurnForOpenClaw(turn, { toolMapping: true, promptFilter: false });
    expect(adapted.turn.system).toEqual(turn.system);
    expect(adapted.turn.tools.map((tool) => tool.name)).toEqual(['Bash']);
    expect(adapted.turn.messages[1]).toEqual({ role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'Bash', input: {} }] });
    expect(adapted.toClient(callOf('Bash'))).toEqual(callOf('exec'));
  });

  it('does both with both on', () => {
    const adapted = adaptTurnForOpenClaw(turn, { toolMapping: true, promptFilter: true });
    expect(adapted.turn.system).toEqual(['You are OpenClaw.']);
    expect(adapted.turn.tools.map((tool) => tool.name)).toEqual(['Bash']);
  });
});
