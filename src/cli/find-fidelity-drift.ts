/**
 * @module
 * PURE. The fidelity check's judgement: given the request a CLI sent upstream for a known turn, what differs from
 * what the client asked for, beyond the additions this project documents (docs/cli-versions.md). Kept apart from the
 * probe (check-cli-fidelity.ts) so that the rules are tested with recorded bodies.
 */
import type { ContentBlockParam } from '@anthropic-ai/sdk/resources/messages';
import type { ClientTool, ConversationMessage } from '../core/turn-request.ts';

/** The identity line the CLI always puts first in the system prompt (measured on 2.1.197 and 2.1.332). */
export const CLI_IDENTITY_LINES: readonly string[] = ["You are a Claude agent, built on Anthropic's Claude Agent SDK."];

/** Text blocks the CLI adds to the first user message that are documented and accepted: the date reminder. */
const DOCUMENTED_MESSAGE_ADDITIONS: readonly RegExp[] = [
  // 2.1.197: `<system-reminder>\nAs you answer the user's questions, ... # currentDate\nToday's date is ...`
  /^<system-reminder>\nAs you answer the user's questions, you can use the following context:\n# currentDate\nToday's date is \d{4}-\d{2}-\d{2}\.\n\n\s*IMPORTANT: this context may or may not be relevant to your tasks\. You should not respond to this context unless it is highly relevant to your task\.\n<\/system-reminder>\n*$/,
];

export interface FidelityExpectation {
  system: readonly string[];
  /** The conversation as the client sent it (tool names as the model sees them). */
  messages: readonly ConversationMessage[];
  tools: readonly { name: string; description: string | undefined; inputSchema: ClientTool['inputSchema'] }[];
  /** Host facts that must appear nowhere in the request: working directory, host name, OS release, home. */
  hostDetails: readonly string[];
}

interface UpstreamBody {
  system?: unknown;
  messages?: unknown;
  tools?: unknown;
}

export function findFidelityDrift(body: unknown, expected: FidelityExpectation): string[] {
  const request = (body ?? {}) as UpstreamBody;
  return [
    ...systemDrift(request.system, expected.system),
    ...messageDrift(request.messages, expected.messages),
    ...toolDrift(request.tools, expected.tools),
    ...hostDrift(body, expected.hostDetails),
  ];
}

function textsOf(value: unknown): string[] | undefined {
  if (typeof value === 'string') return [value];
  if (!Array.isArray(value)) return undefined;
  return value.map((block: { type?: unknown; text?: unknown }) =>
    block?.type === 'text' && typeof block.text === 'string' ? block.text : JSON.stringify(block),
  );
}

function systemDrift(system: unknown, expected: readonly string[]): string[] {
  const texts = textsOf(system) ?? [];
  const rest = CLI_IDENTITY_LINES.includes(texts[0] ?? '') ? texts.slice(1) : texts;
  if (JSON.stringify(rest) === JSON.stringify(expected)) return [];
  return [`system prompt: expected ${short(expected)} after the identity line, got ${short(texts)}`];
}

/** Blocks without the CLI's own cache markers, strings as one text block. */
function canonicalBlocks(content: unknown): unknown[] {
  const blocks = typeof content === 'string' ? [{ type: 'text', text: content }] : Array.isArray(content) ? content : [content];
  return blocks.map((block) => {
    if (block == null || typeof block !== 'object') return block;
    const { cache_control: _cache, ...rest } = block as Record<string, unknown>;
    return rest;
  });
}

function messageDrift(messages: unknown, expected: readonly ConversationMessage[]): string[] {
  if (!Array.isArray(messages)) return ['messages: missing'];
  const problems: string[] = [];
  const got = messages as { role?: unknown; content?: unknown }[];
  if (got.length !== expected.length) {
    problems.push(
      `messages: expected ${expected.length} (${expected.map((message) => message.role).join(', ')}), got ${got.length} (${got.map((message) => String(message.role)).join(', ')})`,
    );
  }
  got.forEach((message, index) => {
    const want = expected[index];
    if (want == null) {
      problems.push(`messages.${index}: an extra ${String(message.role)} message: ${short(message.content)}`);
      return;
    }
    if (message.role !== want.role) problems.push(`messages.${index}.role: expected ${want.role}, got ${String(message.role)}`);
    let blocks = canonicalBlocks(message.content);
    if (index === 0) blocks = blocks.filter((block) => !isDocumentedAddition(block));
    const wanted = canonicalBlocks(want.content as string | ContentBlockParam[]);
    if (JSON.stringify(blocks) !== JSON.stringify(wanted)) problems.push(`messages.${index}.content: expected ${short(wanted)}, got ${short(blocks)}`);
  });
  return problems;
}

function isDocumentedAddition(block: unknown): boolean {
  const text = (block as { type?: unknown; text?: unknown })?.type === 'text' ? (block as { text?: unknown }).text : undefined;
  return typeof text === 'string' && DOCUMENTED_MESSAGE_ADDITIONS.some((pattern) => pattern.test(text));
}

function toolDrift(tools: unknown, expected: FidelityExpectation['tools']): string[] {
  const got = Array.isArray(tools) ? (tools as { name?: unknown; description?: unknown; input_schema?: unknown }[]) : [];
  const canonical = got.map((tool) => ({ name: tool.name, description: tool.description, input_schema: tool.input_schema }));
  const wanted = expected.map((tool) => ({ name: tool.name, description: tool.description, input_schema: tool.inputSchema }));
  return JSON.stringify(canonical) === JSON.stringify(wanted) ? [] : [`tools: expected ${short(wanted)}, got ${short(canonical)}`];
}

function hostDrift(body: unknown, details: readonly string[]): string[] {
  const text = JSON.stringify(body);
  return details.filter((detail) => detail.length >= 3 && text.includes(detail)).map((detail) => `a host detail reaches the model: ${JSON.stringify(detail)}`);
}

function short(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 240 ? `${text.slice(0, 237)}...` : text;
}
