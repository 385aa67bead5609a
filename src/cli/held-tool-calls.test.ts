import type { ContentBlockParam, ToolResultBlockParam } from '@anthropic-ai/sdk/resources/messages';
import { describe, expect, it } from 'vitest';
import { clientViewOf, HELD_RESULT_MAX_CHARS, heldCallsOf, mcpResultOf, planHeldAnswers, type HeldCall } from './held-tool-calls.ts';

/** A PNG header of the given size (all readImageSize needs), as base64. */
function png(width: number, height: number, padding = 0): string {
  const bytes = new Uint8Array(33 + padding);
  bytes.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);
  new DataView(bytes.buffer).setUint32(16, width);
  new DataView(bytes.buffer).setUint32(20, height);
  return btoa(String.fromCharCode(...bytes.subarray(0, 33))) + 'A'.repeat(Math.ceil((padding * 4) / 3 / 4) * 4);
}

const call = (id: string, input: unknown = { path: 'a.ts' }): ContentBlockParam => ({ type: 'tool_use', id, name: 'mcp__t__read_file', input });
const result = (id: string, content: ToolResultBlockParam['content'], extra: Partial<ToolResultBlockParam> = {}): ToolResultBlockParam => ({
  type: 'tool_result',
  tool_use_id: id,
  content,
  ...extra,
});

describe('heldCallsOf', () => {
  it('holds an answer that stopped for its calls of client tools, text and thinking beside them', () => {
    const reply: ContentBlockParam[] = [
      { type: 'thinking', thinking: 'Two files.', signature: 'sig' },
      { type: 'text', text: 'Reading.' },
      call('toolu_A'),
      call('toolu_B', { path: 'b.ts' }),
    ];
    expect(heldCallsOf(reply, 'tool_use')).toEqual([
      { id: 'toolu_A', name: 'mcp__t__read_file', input: { path: 'a.ts' } },
      { id: 'toolu_B', name: 'mcp__t__read_file', input: { path: 'b.ts' } },
    ]);
  });

  it("holds nothing after another stop reason, without a call, or with a call of a tool that is not the client's", () => {
    expect(heldCallsOf([call('toolu_A')], 'end_turn')).toBeUndefined();
    expect(heldCallsOf([call('toolu_A')], 'max_tokens')).toBeUndefined();
    expect(heldCallsOf([{ type: 'text', text: 'x' }], 'tool_use')).toBeUndefined();
    expect(heldCallsOf([call('toolu_A'), { type: 'tool_use', id: 'toolu_S', name: 'StructuredOutput', input: {} }], 'tool_use')).toBeUndefined();
  });
});

describe('clientViewOf', () => {
  it('gives the client tool calls their bare names, leaving everything else', () => {
    expect(clientViewOf([{ type: 'text', text: 'x' }, call('toolu_A')])).toEqual([
      { type: 'text', text: 'x' },
      { type: 'tool_use', id: 'toolu_A', name: 'read_file', input: { path: 'a.ts' } },
    ]);
  });
});

describe('mcpResultOf', () => {
  it('passes text, as a string or blocks, and small images', () => {
    expect(mcpResultOf(result('t', 'contents of a.ts'))).toEqual({ content: [{ type: 'text', text: 'contents of a.ts' }] });
    const image = png(800, 600);
    expect(
      mcpResultOf(
        result('t', [
          { type: 'text', text: 'see' },
          { type: 'image', source: { type: 'base64', media_type: 'image/png', data: image } },
        ]),
      ),
    ).toEqual({
      content: [
        { type: 'text', text: 'see' },
        { type: 'image', data: image, mimeType: 'image/png' },
      ],
    });
  });

  it('passes an error of one text, flagged', () => {
    expect(mcpResultOf(result('t', 'ERROR: not found', { is_error: true }))).toEqual({ content: [{ type: 'text', text: 'ERROR: not found' }], isError: true });
    expect(mcpResultOf(result('t', [{ type: 'text', text: 'ERROR' }], { is_error: true }))).toEqual({
      content: [{ type: 'text', text: 'ERROR' }],
      isError: true,
    });
  });

  it('refuses what the CLI would change: empty or blank results, errors of several parts, large text or images, other blocks', () => {
    expect(mcpResultOf(result('t', ''))).toBeUndefined();
    expect(mcpResultOf(result('t', undefined))).toBeUndefined();
    expect(mcpResultOf(result('t', []))).toBeUndefined();
    expect(mcpResultOf(result('t', [{ type: 'text', text: '  \n' }]))).toBeUndefined();
    expect(
      mcpResultOf(
        result(
          't',
          [
            { type: 'text', text: 'a' },
            { type: 'text', text: 'b' },
          ],
          { is_error: true },
        ),
      ),
    ).toBeUndefined();
    expect(mcpResultOf(result('t', 'x'.repeat(HELD_RESULT_MAX_CHARS + 1)))).toBeUndefined();
    expect(mcpResultOf(result('t', 'x'.repeat(HELD_RESULT_MAX_CHARS)))).toBeDefined();
    const imageBlock = (data: string) => ({ type: 'image' as const, source: { type: 'base64' as const, media_type: 'image/png' as const, data } });
    expect(mcpResultOf(result('t', [imageBlock(png(2001, 10))]))).toBeUndefined();
    expect(mcpResultOf(result('t', [imageBlock(png(10, 2001))]))).toBeUndefined();
    expect(mcpResultOf(result('t', [imageBlock(png(2000, 2000))]))).toBeDefined();
    expect(mcpResultOf(result('t', [imageBlock(png(100, 100, 450_000))]))).toBeUndefined();
    expect(mcpResultOf(result('t', [{ type: 'image', source: { type: 'url', url: 'https://example.com/a.png' } }]))).toBeUndefined();
    expect(mcpResultOf(result('t', [{ type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'doc' } }]))).toBeUndefined();
  });
});

describe('planHeldAnswers', () => {
  const calls: HeldCall[] = [
    { id: 'toolu_A', name: 'mcp__t__read_file', input: {} },
    { id: 'toolu_B', name: 'mcp__t__read_file', input: {} },
  ];

  it('maps each held call to its result when the message is exactly their results, in order', () => {
    const answers = planHeldAnswers(calls, { role: 'user', content: [result('toolu_A', 'a'), result('toolu_B', 'b', { is_error: true })] });
    expect([...(answers ?? new Map()).entries()]).toEqual([
      ['toolu_A', { content: [{ type: 'text', text: 'a' }] }],
      ['toolu_B', { content: [{ type: 'text', text: 'b' }], isError: true }],
    ]);
  });

  it('refuses results in another order, missing or extra results, text beside them, or a result the CLI would change', () => {
    expect(planHeldAnswers(calls, { role: 'user', content: [result('toolu_B', 'b'), result('toolu_A', 'a')] })).toBeUndefined();
    expect(planHeldAnswers(calls, { role: 'user', content: [result('toolu_A', 'a')] })).toBeUndefined();
    expect(
      planHeldAnswers(calls, { role: 'user', content: [result('toolu_A', 'a'), result('toolu_B', 'b'), { type: 'text', text: 'and now?' }] }),
    ).toBeUndefined();
    expect(planHeldAnswers(calls, { role: 'user', content: [result('toolu_A', 'a'), result('toolu_B', '')] })).toBeUndefined();
    expect(planHeldAnswers(calls, { role: 'user', content: 'just text' })).toBeUndefined();
    expect(planHeldAnswers(calls, undefined)).toBeUndefined();
  });
});
