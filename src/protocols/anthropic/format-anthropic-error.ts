/**
 * @module
 * PURE. A ProxyError in Anthropic's error shape: `{type:'error', error:{type, message}, request_id}`.
 * @see https://docs.claude.com/en/api/errors
 */
import type { ErrorKind, ProxyError } from '../../errors.ts';
import { assertNever } from '../../errors.ts';

export type AnthropicErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'billing_error'
  | 'permission_error'
  | 'not_found_error'
  | 'request_too_large'
  | 'rate_limit_error'
  | 'api_error'
  | 'timeout_error'
  | 'overloaded_error';

export function anthropicErrorType(kind: ErrorKind): AnthropicErrorType {
  switch (kind) {
    case 'invalid_request':
      return 'invalid_request_error';
    case 'authentication':
      return 'authentication_error';
    case 'billing':
      return 'billing_error';
    case 'permission':
      return 'permission_error';
    case 'not_found':
      return 'not_found_error';
    case 'request_too_large':
      return 'request_too_large';
    case 'rate_limit':
      return 'rate_limit_error';
    case 'api_error':
      return 'api_error';
    case 'timeout':
      return 'timeout_error';
    case 'overloaded':
      return 'overloaded_error';
    default:
      return assertNever(kind, 'error kind');
  }
}

export interface AnthropicErrorBody {
  type: 'error';
  error: { type: AnthropicErrorType; message: string };
  request_id: string;
}

export function formatAnthropicError(error: ProxyError, requestId: string): AnthropicErrorBody {
  return { type: 'error', error: { type: anthropicErrorType(error.kind), message: error.message }, request_id: requestId };
}
