import { describe, expect, it } from 'vitest';
import { proxyErrorOf } from '../../test/support/proxy-error-of.ts';
import type { ProxyError } from '../errors.ts';
import { messagesRequestSchema } from './anthropic/anthropic-wire.ts';
import { findTooDeepValue, MAX_JSON_DEPTH, parseRequestBody } from './parse-request-body.ts';

const VALID = { model: 'sonnet', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] };

function parseError(body: unknown): ProxyError {
  return proxyErrorOf(() => parseRequestBody(messagesRequestSchema, body));
}

describe('parseRequestBody with messagesRequestSchema', () => {
  it('returns a valid body', () => {
    expect(parseRequestBody(messagesRequestSchema, VALID)).toEqual(VALID);
  });

  it('ignores unknown fields instead of failing', () => {
    const body = { ...VALID, temperature: 0.2, top_k: 5, metadata: { user_id: 'u' }, some_future_field: true };
    expect(parseRequestBody(messagesRequestSchema, body)).toMatchObject(VALID);
  });

  it.each([null, undefined, 'text', 42, [VALID]])('rejects the body %j: not a JSON object', (body) => {
    const error = parseError(body);
    expect(error).toMatchObject({ kind: 'invalid_request', status: 400, message: 'the request body must be a JSON object' });
    expect(error.param).toBeUndefined();
  });

  it('names a missing field like the real API: "model: Field required"', () => {
    const { model: _model, ...body } = VALID;
    expect(parseError(body)).toMatchObject({ kind: 'invalid_request', status: 400, message: 'model: Field required', param: 'model' });
    expect(parseError({ model: 'sonnet' })).toMatchObject({ message: 'messages: Field required', param: 'messages' });
  });

  it.each([
    [{ ...VALID, model: 5 }, 'model'],
    [{ ...VALID, model: '' }, 'model'],
    [{ ...VALID, max_tokens: 'many' }, 'max_tokens'],
    [{ ...VALID, max_tokens: 0 }, 'max_tokens'],
    [{ ...VALID, messages: 'hi' }, 'messages'],
    [{ ...VALID, messages: [{ role: 'robot', content: 'hi' }] }, 'messages.0.role'],
    [
      {
        ...VALID,
        messages: [
          { role: 'user', content: 'a' },
          { role: 'user', content: 7 },
        ],
      },
      'messages.1.content',
    ],
    // A union (string or blocks): the problem inside the option that came closest.
    [{ ...VALID, system: [{ type: 'text' }] }, 'system.0.text'],
    [{ ...VALID, messages: [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 't', content: [null] }] }] }, 'messages.0.content.0.content.0'],
    [{ ...VALID, stream: 'yes' }, 'stream'],
    [{ ...VALID, thinking: { type: 'enabled' } }, 'thinking.budget_tokens'],
    [{ ...VALID, output_config: { effort: 'extreme' } }, 'output_config.effort'],
  ])('rejects a wrong type with a 400 naming the path: %j', (body, path) => {
    const error = parseError(body);
    expect(error).toMatchObject({ kind: 'invalid_request', status: 400, param: path });
    expect(error.message.startsWith(`${path}: `)).toBe(true);
  });
});

describe('findTooDeepValue', () => {
  function nested(depth: number): unknown {
    let value: unknown = 1;
    for (let level = 0; level < depth; level += 1) value = level % 2 === 0 ? [value] : { a: value };
    return value;
  }

  it('accepts values up to the limit and names the first value beyond it', () => {
    expect(findTooDeepValue({ tools: [{ input_schema: nested(10) }] }, 20)).toBeUndefined();
    expect(findTooDeepValue({ tools: [{ input_schema: nested(30) }] }, 20)).toBe('tools.0.input_schema.a.0.a.0.a.0.a.0.a.0.a.0.a.0.a.0.a');
  });

  it('walks 100,000 levels without recursion', () => {
    let value: unknown = 1;
    for (let level = 0; level < 100_000; level += 1) value = [value];
    expect(findTooDeepValue({ deep: value }, MAX_JSON_DEPTH)?.split('.')).toHaveLength(MAX_JSON_DEPTH);
  });
});

describe('parseRequestBody bounds', () => {
  it('rejects a tool schema nested 10,000 deep with a 400 naming where (it made JSON.stringify throw: a 500)', () => {
    let schema: unknown = { type: 'object' };
    for (let level = 0; level < 10_000; level += 1) schema = { type: 'object', properties: { a: schema } };
    const error = parseError({ ...VALID, tools: [{ name: 't', input_schema: schema }] });
    expect(error).toMatchObject({ status: 400 });
    expect(error.param).toMatch(/^tools\.0\.input_schema\.properties\.a\./);
    expect(error.message).toContain(`nested more than ${MAX_JSON_DEPTH} levels deep`);
  });

  it('says a field has the wrong type instead of "Field required" when it is present', () => {
    expect(parseError({ ...VALID, messages: 5 }).message).toBe('messages: Invalid input: expected array, received number');
  });
});
