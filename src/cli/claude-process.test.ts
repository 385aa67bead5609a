import { describe, expect, it } from 'vitest';
import { ClaudeProcess } from './claude-process.ts';

// A shell stands in for the CLI: it writes to stderr in two parts, as two turns of a kept process would.
describe('ClaudeProcess stderr', () => {
  it('reports only what was written after a mark', async () => {
    const child = new ClaudeProcess({
      command: 'sh',
      args: ['-c', 'echo first-turn >&2; read line; echo second-turn >&2'],
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
      cwd: '/',
    });
    await expect.poll(() => child.stderr).toContain('first-turn');
    const mark = child.stderrMark;
    child.writeLine('go');
    await child.exited;
    expect(child.stderrSince(mark)).toBe('second-turn\n');
    expect(child.stderr).toBe('first-turn\nsecond-turn\n');
  });
});
