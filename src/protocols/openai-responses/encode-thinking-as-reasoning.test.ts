import { describe, expect, it } from 'vitest';
import { decodeReasoningAsThinking, encodeThinkingAsReasoning } from './encode-thinking-as-reasoning.ts';

describe('encodeThinkingAsReasoning', () => {
  it('gives back the exact thinking block, signature and non-ASCII text included', () => {
    const block = { type: 'thinking' as const, thinking: 'Ich überlege… 🤔', signature: 'c2ln' };
    expect(decodeReasoningAsThinking(encodeThinkingAsReasoning(block))).toEqual(block);
    const redacted = { type: 'redacted_thinking' as const, data: 'opaque' };
    expect(decodeReasoningAsThinking(encodeThinkingAsReasoning(redacted))).toEqual(redacted);
  });

  it('does not decode content it did not write', () => {
    expect(decodeReasoningAsThinking('gAAAAABoOpenAIEncryptedReasoning')).toBeUndefined();
    expect(decodeReasoningAsThinking('claude-cli-proxy.thinking.v1:not-base64-json')).toBeUndefined();
    expect(decodeReasoningAsThinking(null)).toBeUndefined();
  });
});
