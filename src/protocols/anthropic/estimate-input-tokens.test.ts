import { describe, expect, it } from 'vitest';
import { estimateInputTokens } from './estimate-input-tokens.ts';

describe('estimateInputTokens', () => {
  it('counts about 4 characters per token plus 4 per message', () => {
    // 4 + 8 characters → 3 tokens, plus one message of overhead.
    expect(estimateInputTokens({ system: 'abcd', messages: [{ role: 'user', content: 'abcdefgh' }] })).toBe(7);
  });

  it('counts system blocks the same as a system string', () => {
    expect(estimateInputTokens({ system: [{ type: 'text', text: 'abcd' }], messages: [{ role: 'user', content: 'abcdefgh' }] })).toBe(7);
  });

  it('rounds characters up', () => {
    expect(estimateInputTokens({ messages: [{ role: 'user', content: 'a' }] })).toBe(5);
  });

  it('counts content blocks as their JSON', () => {
    const block = { type: 'text', text: 'hello' };
    const expected = 4 + Math.ceil(JSON.stringify(block).length / 4);
    expect(estimateInputTokens({ messages: [{ role: 'user', content: [block] }] })).toBe(expected);
  });

  it('charges a fixed cost per image and per document', () => {
    const image = { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'x'.repeat(100_000) } };
    const document = { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'x'.repeat(100_000) } };
    expect(estimateInputTokens({ messages: [{ role: 'user', content: [image] }] })).toBe(4 + 1600);
    expect(estimateInputTokens({ messages: [{ role: 'user', content: [document] }] })).toBe(4 + 1500);
  });

  it('counts tool definitions', () => {
    const tool = { name: 'lookup', input_schema: { type: 'object' } };
    const base = estimateInputTokens({ messages: [{ role: 'user', content: 'abcd' }] });
    expect(estimateInputTokens({ messages: [{ role: 'user', content: 'abcd' }], tools: [tool] })).toBe(4 + Math.ceil((4 + JSON.stringify(tool).length) / 4));
    expect(base).toBe(5);
  });

  it('never answers 0', () => {
    expect(estimateInputTokens({ messages: [] })).toBe(1);
  });
});
