/**
 * @module
 * PURE. A ProxyError in OpenAI's error shape: `{error:{message, type, param, code}}`.
 * @see https://platform.openai.com/docs/guides/error-codes
 */
import type { ErrorKind, ProxyError } from '../../errors.ts';
import { assertNever } from '../../errors.ts';

export interface OpenAIErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

function typeAndCode(kind: ErrorKind, message: string): { type: string; code: string | null } {
  switch (kind) {
    case 'invalid_request':
      return { type: 'invalid_request_error', code: /prompt is too long|context/i.test(message) ? 'context_length_exceeded' : null };
    case 'authentication':
      return { type: 'invalid_request_error', code: 'invalid_api_key' };
    case 'billing':
      return { type: 'insufficient_quota', code: 'insufficient_quota' };
    case 'permission':
      return { type: 'invalid_request_error', code: 'permission_denied' };
    case 'not_found':
      return { type: 'invalid_request_error', code: /model/i.test(message) ? 'model_not_found' : 'not_found' };
    case 'request_too_large':
      return { type: 'invalid_request_error', code: 'request_too_large' };
    case 'rate_limit':
      return { type: 'requests', code: 'rate_limit_exceeded' };
    case 'api_error':
      return { type: 'server_error', code: null };
    case 'timeout':
      return { type: 'server_error', code: 'timeout' };
    case 'overloaded':
      return { type: 'server_error', code: 'overloaded' };
    default:
      return assertNever(kind, 'error kind');
  }
}

export function formatOpenAIError(error: ProxyError): OpenAIErrorBody {
  const { type, code } = typeAndCode(error.kind, error.message);
  return { error: { message: error.message, type, param: error.param ?? null, code } };
}
