/**
 * @module
 * PURE. Claude thinking blocks carried through a Responses client in a reasoning item's `encrypted_content`, the
 * field OpenAI uses for the same purpose: clients (Codex, the Agents SDK) send reasoning items back opaquely with
 * the rest of the conversation. Decoded, they are the exact thinking blocks again, signature included, which the
 * API requires before a tool_use in the assistant turn of a tool loop with thinking on. Not encrypted: the thinking
 * text is the client's to read anyway (it is also the reasoning summary when asked for).
 */
import type { RedactedThinkingBlockParam, ThinkingBlockParam } from '@anthropic-ai/sdk/resources/messages';

/** Marks content this proxy wrote; anything else (OpenAI's own encrypted reasoning) is not decoded. */
const PREFIX = 'claude-cli-proxy.thinking.v1:';

export type ThinkingBlock = ThinkingBlockParam | RedactedThinkingBlockParam;

export function encodeThinkingAsReasoning(block: ThinkingBlock): string {
  const payload =
    block.type === 'thinking' ? { type: block.type, thinking: block.thinking, signature: block.signature } : { type: block.type, data: block.data };
  return `${PREFIX}${Buffer.from(JSON.stringify(payload), 'utf8').toString('base64')}`;
}

/** The thinking block, or undefined when the content is not one this proxy wrote. */
export function decodeReasoningAsThinking(encrypted: unknown): ThinkingBlock | undefined {
  if (typeof encrypted !== 'string' || !encrypted.startsWith(PREFIX)) return undefined;
  try {
    const value = JSON.parse(Buffer.from(encrypted.slice(PREFIX.length), 'base64').toString('utf8')) as Record<string, unknown>;
    if (value.type === 'thinking' && typeof value.thinking === 'string' && typeof value.signature === 'string') {
      return { type: 'thinking', thinking: value.thinking, signature: value.signature };
    }
    if (value.type === 'redacted_thinking' && typeof value.data === 'string') return { type: 'redacted_thinking', data: value.data };
  } catch {
    // Damaged: treated like foreign reasoning.
  }
  return undefined;
}
