/**
 * @module
 * PURE. Opt-in (OPENCLAW_PROMPT_FILTER): removes the sections in which OpenClaw and similar agents describe their
 * tools and skills inside the system prompt (`<tools>…</tools>`, `<available_skills>…</available_skills>`, …). The
 * model already gets the tools as definitions; the prose copy costs tokens on every turn and can contradict them.
 * A system block without such a section is passed on byte for byte; one left empty is dropped (the API rejects empty
 * text blocks).
 */

/** The section tags, written with `_` or `-` between words, as in the original claude-code-proxy. */
const SECTION_TAGS = ['tools', 'available_tools', 'tool_definitions', 'system_tools', 'skills', 'available_skills', 'tool_use_instructions', 'functions'];

/** One tag pattern: `<name>` (attributes allowed) up to the first `</name>`, over any number of lines. */
const SECTION = new RegExp(`<(${SECTION_TAGS.map((tag) => tag.replace(/_/g, '[-_]')).join('|')})(?:\\s[^>]*)?>[\\s\\S]*?</\\1\\s*>`, 'g');

export function filterOpenClawSystemPrompt(system: readonly string[]): string[] {
  return system.map(removeSections).filter((block) => block !== '');
}

function removeSections(block: string): string {
  const removed = block.replace(SECTION, '');
  if (removed === block) return block;
  // The blank lines around a removed section would otherwise pile up where it stood.
  return removed.replace(/\n{3,}/g, '\n\n').trim();
}
