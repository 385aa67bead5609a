/**
 * @module
 * PURE. A local estimate for POST /v1/messages/count_tokens. The CLI has no token-counting call, and a real
 * inference call per count would cost quota (Claude Code calls count_tokens often), so the proxy estimates:
 * about 4 characters per token for text and JSON, a fixed cost per image and document.
 */
import type { MessagesRequest } from './anthropic-wire.ts';

const CHARACTERS_PER_TOKEN = 4;
/** Anthropic: images cost about width*height/750 tokens, capped near 1,600 for the default resize. */
const IMAGE_TOKENS = 1600;
const DOCUMENT_PAGE_TOKENS = 1500;
/** Role and message framing overhead per message. */
const MESSAGE_OVERHEAD_TOKENS = 4;

export function estimateInputTokens(request: Pick<MessagesRequest, 'messages' | 'system' | 'tools'>): number {
  let characters = 0;
  let tokens = 0;
  if (typeof request.system === 'string') characters += request.system.length;
  else for (const block of request.system ?? []) characters += block.text.length;
  for (const message of request.messages) {
    tokens += MESSAGE_OVERHEAD_TOKENS;
    if (typeof message.content === 'string') {
      characters += message.content.length;
      continue;
    }
    for (const block of message.content) {
      if (block.type === 'image') tokens += IMAGE_TOKENS;
      else if (block.type === 'document') tokens += DOCUMENT_PAGE_TOKENS;
      else characters += JSON.stringify(block).length;
    }
  }
  for (const tool of request.tools ?? []) characters += JSON.stringify(tool).length;
  return Math.max(1, tokens + Math.ceil(characters / CHARACTERS_PER_TOKEN));
}
