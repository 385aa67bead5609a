import { describe, expect, it } from 'vitest';
import { filterOpenClawSystemPrompt } from './filter-openclaw-system-prompt.ts';

describe('filterOpenClawSystemPrompt', () => {
  it.each(['tools', 'available_tools', 'tool_definitions', 'system_tools', 'skills', 'available_skills', 'tool_use_instructions', 'functions'])(
    'removes a <%s> section with its tags',
    (tag) => {
      expect(filterOpenClawSystemPrompt([`You are a helper.\n\n<${tag}>\n- exec: run\n- read: read a file\n</${tag}>\n\nBe brief.`])).toEqual([
        'You are a helper.\n\nBe brief.',
      ]);
    },
  );

  it('accepts hyphens between the words and attributes on the opening tag', () => {
    expect(
      filterOpenClawSystemPrompt(['A <available-skills count="2"><skill>x</skill></available-skills> B <tool-use-instructions>x</tool-use-instructions>']),
    ).toEqual(['A  B']);
  });

  it('removes every section, each up to its own closing tag, and keeps what lies between', () => {
    expect(filterOpenClawSystemPrompt(['<tools>a</tools>\nkeep me\n<skills>b</skills>\n<tools>c</tools>'])).toEqual(['keep me']);
  });

  it('passes a block without such a section on byte for byte, whitespace included', () => {
    const block = '  You are OpenClaw.\n\n\n\n## Tooling\nUse <b>exec</b> for commands.\n<tool>not a section</tool>  ';
    expect(filterOpenClawSystemPrompt([block])).toEqual([block]);
  });

  it('leaves an unclosed or mismatched tag alone', () => {
    expect(filterOpenClawSystemPrompt(['<tools>never closed'])).toEqual(['<tools>never closed']);
    expect(filterOpenClawSystemPrompt(['<tools>x</skills>'])).toEqual(['<tools>x</skills>']);
  });

  it('drops a block that held only sections, keeping the other blocks in order', () => {
    expect(filterOpenClawSystemPrompt(['first', '\n<available_tools>\nx\n</available_tools>\n', 'last'])).toEqual(['first', 'last']);
  });

  it('gives an empty list for no system prompt', () => {
    expect(filterOpenClawSystemPrompt([])).toEqual([]);
  });
});
