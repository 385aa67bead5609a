import { describe, expect, it } from 'vitest';
import { parseCliLine } from './cli-lines.ts';
import { isLineOfType } from '../../test/support/cli-line-type.ts';
import { fixtureLines } from '../../test/support/cli-fixtures.ts';

describe('parseCliLine', () => {
  it('recognises every line of a recorded text turn', () => {
    const types = fixtureLines('text').map((line) => {
      const parsed = parseCliLine(line);
      return parsed.type === 'system' ? `system/${parsed.subtype}` : parsed.type;
    });
    expect(types).toEqual([
      'control_response',
      'system/init',
      'system/status',
      'stream_event',
      'stream_event',
      'stream_event',
      'stream_event',
      'stream_event',
      'assistant',
      'stream_event',
      'stream_event',
      'stream_event',
      'result',
    ]);
  });

  it('keeps the fields of a result line, known and unknown', () => {
    const line = fixtureLines('text').at(-1)!;
    const parsed = parseCliLine(line);
    expect(parsed).toEqual(JSON.parse(line));
    expect(parsed).toMatchObject({ type: 'result', subtype: 'success', is_error: false, result: 'Hello from the fake upstream.', stop_reason: 'end_turn' });
  });

  it('reads the synthetic error tag of an assistant line', () => {
    const line = fixtureLines('error-429').find((text) => isLineOfType(text, 'assistant'))!;
    expect(parseCliLine(line)).toMatchObject({ type: 'assistant', error: 'rate_limit', message: { model: '<synthetic>' } });
  });

  it('reads the user line of a tool call the CLI ran, with its tool_result blocks', () => {
    const line = fixtureLines('mcp-tool-call').find((text) => isLineOfType(text, 'user'))!;
    expect(parseCliLine(line)).toMatchObject({
      type: 'user',
      message: { content: [{ type: 'tool_result', tool_use_id: 'toolu_fixturemcp1', content: [{ type: 'text', text: 'Echo: hello' }] }] },
    });
  });

  it('reports a line type it does not know as unknown, with the raw object', () => {
    expect(parseCliLine('{"type":"progress","data":1}')).toEqual({ type: 'unknown', raw: { type: 'progress', data: 1 } });
  });

  it.each(['null', '[1,2]', '"text"', '{"no_type":true}', '{"type":7}'])('reports JSON without a known type as unknown: %s', (text) => {
    expect(parseCliLine(text)).toEqual({ type: 'unknown', raw: JSON.parse(text) });
  });

  it.each(['', 'Warning: something', '{"type":"result"'])('reports non-JSON %j as invalid', (text) => {
    expect(parseCliLine(text)).toEqual({ type: 'invalid', text, reason: 'not JSON' });
  });

  it.each([
    ['{"type":"result","subtype":"success","is_error":"no"}', 'is_error'],
    ['{"type":"result","subtype":"success","is_error":false,"api_error_status":"429"}', 'api_error_status'],
    ['{"type":"stream_event"}', 'event'],
    ['{"type":"assistant","message":{"id":"m","model":"x","content":"hi"}}', 'message.content'],
    ['{"type":"rate_limit_event","rate_limit_info":{"status":"rejected","resetsAt":"soon"}}', 'rate_limit_info.resetsAt'],
    ['{"type":"system"}', 'subtype'],
  ])('reports a known line with wrong field types as invalid: %s', (text, path) => {
    const parsed = parseCliLine(text);
    expect(parsed.type).toBe('invalid');
    expect(parsed).toMatchObject({ text });
    expect((parsed as { reason: string }).reason).toContain(path);
  });
});
