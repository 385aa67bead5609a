import { describe, expect, it } from 'vitest';
import { proxyErrorOf } from '../../test/support/proxy-error-of.ts';
import type { ProxyError } from '../errors.ts';
import { messagesRequestSchema } from './anthropic/anthropic-wire.ts';
import { parseRequestBody } from './parse-request-body.ts';

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
    [{ ...VALID, messages: [{ role: 'user', content: 'a' }, { role: 'user', content: 7 }] }, 'messages.1.content'],
    // A union (string or blocks): zod reports the union's own path.
    [{ ...VALID, system: [{ type: 'text' }] }, 'system'],
    [{ ...VALID, stream: 'yes' }, 'stream'],
    [{ ...VALID, thinking: { type: 'enabled' } }, 'thinking.budget_tokens'],
    [{ ...VALID, output_config: { effort: 'extreme' } }, 'output_config.effort'],
  ])('rejects a wrong type with a 400 naming the path: %j', (body, path) => {
    const error = parseError(body);
    expect(error).toMatchObject({ kind: 'invalid_request', status: 400, param: path });
    expect(error.message.startsWith(`${path}: `)).toBe(true);
  });
});
