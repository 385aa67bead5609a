import { describe, expect, it } from 'vitest';
import { ProxyError, type ErrorKind } from '../../errors.ts';
import { formatOpenAIError } from './format-openai-error.ts';

describe('formatOpenAIError', () => {
  it.each([
    ['invalid_request', 'bad field', 'invalid_request_error', null],
    ['authentication', 'invalid API key', 'invalid_request_error', 'invalid_api_key'],
    ['billing', 'no credit', 'insufficient_quota', 'insufficient_quota'],
    ['permission', 'not allowed', 'invalid_request_error', 'permission_denied'],
    ['not_found', 'no such route', 'invalid_request_error', 'not_found'],
    ['request_too_large', 'too big', 'invalid_request_error', 'request_too_large'],
    ['rate_limit', 'slow down', 'requests', 'rate_limit_exceeded'],
    ['api_error', 'boom', 'server_error', null],
    ['timeout', 'too slow', 'server_error', 'timeout'],
    ['overloaded', 'busy', 'server_error', 'overloaded'],
  ] as const)('maps kind %s to type %s and code %s', (kind: ErrorKind, message, type, code) => {
    expect(formatOpenAIError(new ProxyError(kind, message))).toEqual({ error: { message, type, param: null, code } });
  });

  it('reports a prompt that is too long as context_length_exceeded', () => {
    expect(formatOpenAIError(new ProxyError('invalid_request', 'Prompt is too long')).error.code).toBe('context_length_exceeded');
  });

  it('reports a missing model as model_not_found', () => {
    expect(formatOpenAIError(new ProxyError('not_found', 'model: claude-nope')).error.code).toBe('model_not_found');
  });

  it('names the field at fault in param', () => {
    expect(formatOpenAIError(new ProxyError('invalid_request', 'model: unknown', { param: 'model' })).error.param).toBe('model');
  });
});
