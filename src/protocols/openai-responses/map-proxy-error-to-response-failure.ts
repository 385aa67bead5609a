/**
 * @module
 * PURE. A ProxyError that ends a Responses stream after it started, as the `response.failed` error and the `error`
 * event. `code` is what clients branch on: Codex stops on context_length_exceeded and insufficient_quota, waits
 * for the "try again in Ns" of a rate_limit_exceeded message, and retries anything else
 * (codex-rs/codex-api/src/sse/responses.rs).
 */
import { assertNever, type ErrorKind, type ProxyError } from '../../errors.ts';
import { formatOpenAIError } from '../openai-common/format-openai-error.ts';

export interface ResponseFailure {
  /** response.error.code. */
  code: string;
  message: string;
  /** The OpenAI error type and param, for the `error` event. */
  type: string;
  param: string | null;
}

export function mapProxyErrorToResponseFailure(error: ProxyError): ResponseFailure {
  const body = formatOpenAIError(error).error;
  const code = failureCode(error.kind, body.code);
  // Codex reads the wait from the message only.
  const message =
    code === 'rate_limit_exceeded' && error.retryAfterSeconds != null && !/try again in/i.test(error.message)
      ? `${error.message} Please try again in ${error.retryAfterSeconds}s.`
      : error.message;
  return { code, message, type: body.type, param: body.param };
}

function failureCode(kind: ErrorKind, openAICode: string | null): string {
  switch (kind) {
    case 'rate_limit':
      return 'rate_limit_exceeded';
    case 'billing':
      return 'insufficient_quota';
    case 'invalid_request':
      return openAICode === 'context_length_exceeded' ? openAICode : 'invalid_prompt';
    case 'request_too_large':
      return 'invalid_prompt';
    case 'authentication':
    case 'permission':
    case 'not_found':
      return openAICode ?? 'server_error';
    case 'api_error':
    case 'timeout':
    case 'overloaded':
      return 'server_error';
    default:
      return assertNever(kind, 'error kind');
  }
}
