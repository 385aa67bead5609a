import { describe, expect, it } from 'vitest';
import { ProxyError, type ErrorKind } from '../../errors.ts';
import { mapProxyErrorToResponseFailure } from './map-proxy-error-to-response-failure.ts';

describe('mapProxyErrorToResponseFailure', () => {
  it.each<[ErrorKind, string, string]>([
    ['rate_limit', 'slow down', 'rate_limit_exceeded'],
    ['billing', 'credit balance too low', 'insufficient_quota'],
    ['invalid_request', 'prompt is too long: 250000 tokens > 200000 maximum', 'context_length_exceeded'],
    ['invalid_request', 'messages.0: bad', 'invalid_prompt'],
    ['request_too_large', 'too big', 'invalid_prompt'],
    ['api_error', 'upstream broke', 'server_error'],
    ['timeout', 'no event within STREAM_IDLE_TIMEOUT_MS', 'server_error'],
    ['overloaded', 'overloaded', 'server_error'],
    ['authentication', 'bad key', 'invalid_api_key'],
  ])('gives %s (%s) the code %s, which is what Codex branches on', (kind, message, code) => {
    expect(mapProxyErrorToResponseFailure(new ProxyError(kind, message))).toMatchObject({ code, message });
  });

  it('adds the wait to a rate limit message in the words Codex reads ("try again in Ns")', () => {
    expect(mapProxyErrorToResponseFailure(new ProxyError('rate_limit', 'slow down', { retryAfterSeconds: 12 }))).toEqual({
      code: 'rate_limit_exceeded',
      message: 'slow down Please try again in 12s.',
      type: 'requests',
      param: null,
    });
    expect(mapProxyErrorToResponseFailure(new ProxyError('rate_limit', 'Please try again in 3s.', { retryAfterSeconds: 3 })).message).toBe(
      'Please try again in 3s.',
    );
  });
});
