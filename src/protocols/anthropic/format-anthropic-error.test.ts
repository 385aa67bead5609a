import { describe, expect, it } from 'vitest';
import { ProxyError, type ErrorKind } from '../../errors.ts';
import { anthropicErrorType, formatAnthropicError } from './format-anthropic-error.ts';

describe('formatAnthropicError', () => {
  it.each([
    ['invalid_request', 'invalid_request_error'],
    ['authentication', 'authentication_error'],
    ['billing', 'billing_error'],
    ['permission', 'permission_error'],
    ['not_found', 'not_found_error'],
    ['request_too_large', 'request_too_large'],
    ['rate_limit', 'rate_limit_error'],
    ['api_error', 'api_error'],
    ['timeout', 'timeout_error'],
    ['overloaded', 'overloaded_error'],
  ] as const)('maps kind %s to type %s', (kind: ErrorKind, type) => {
    expect(anthropicErrorType(kind)).toBe(type);
  });

  it("renders Anthropic's error body with the request id", () => {
    const error = new ProxyError('rate_limit', 'slow down', { retryAfterSeconds: 5 });
    expect(formatAnthropicError(error, 'req_123')).toEqual({
      type: 'error',
      error: { type: 'rate_limit_error', message: 'slow down' },
      request_id: 'req_123',
    });
  });

  it('throws on a kind it does not know', () => {
    expect(() => anthropicErrorType('teapot' as ErrorKind)).toThrow('Unexpected error kind: "teapot"');
  });
});
