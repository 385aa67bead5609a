/**
 * @module
 * The one error type of the proxy. Every failure (bad input, CLI error, timeout) becomes a ProxyError;
 * each protocol renders it in its own shape (protocols/<api>/format-*-error.ts).
 */

export type ErrorKind =
  'invalid_request' | 'authentication' | 'billing' | 'permission' | 'not_found' | 'request_too_large' | 'rate_limit' | 'api_error' | 'timeout' | 'overloaded';

const STATUS_BY_KIND: Record<ErrorKind, number> = {
  invalid_request: 400,
  authentication: 401,
  billing: 402,
  permission: 403,
  not_found: 404,
  request_too_large: 413,
  rate_limit: 429,
  api_error: 500,
  timeout: 504,
  overloaded: 529,
};

export interface ProxyErrorOptions {
  /** Overrides the kind's default status (e.g. an upstream 503 stays 503 with kind api_error). */
  status?: number;
  /** Seconds, sent as `retry-after`. */
  retryAfterSeconds?: number;
  /** The upstream API said so (through the CLI), not the proxy: a rejection another account might not get. */
  upstream?: boolean;
  /** The request field at fault, when known (OpenAI's `param`). */
  param?: string;
  /** What the failure shows about the CLI itself (for /health), when it shows something. */
  cliCondition?: CliCondition;
  cause?: unknown;
}

/** Failures that are about the proxy's CLI rather than the request: /health reports them. */
export type CliCondition = 'cli_not_logged_in' | 'cli_not_runnable';

export class ProxyError extends Error {
  readonly kind: ErrorKind;
  readonly status: number;
  readonly retryAfterSeconds: number | undefined;
  readonly param: string | undefined;
  readonly cliCondition: CliCondition | undefined;
  readonly upstream: boolean;

  constructor(kind: ErrorKind, message: string, options: ProxyErrorOptions = {}) {
    super(message, options.cause != null ? { cause: options.cause } : undefined);
    this.name = 'ProxyError';
    this.kind = kind;
    this.status = options.status ?? STATUS_BY_KIND[kind];
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.param = options.param;
    this.cliCondition = options.cliCondition;
    this.upstream = options.upstream ?? false;
  }
}

/** The client went away: the turn stops and nothing is sent. */
export class ClientDisconnectedError extends Error {
  override name = 'ClientDisconnectedError';
  constructor() {
    super('the client disconnected');
  }
}

/**
 * The error a turn ends with when its signal fires: the ProxyError the signal was aborted with (the server shutting
 * down), otherwise the client's disconnect.
 */
export function errorOfAbort(signal: AbortSignal): Error {
  return signal.reason instanceof ProxyError ? signal.reason : new ClientDisconnectedError();
}

export function kindForStatus(status: number): ErrorKind {
  switch (status) {
    case 400:
    case 422:
      return 'invalid_request';
    case 401:
      return 'authentication';
    case 402:
      return 'billing';
    case 403:
      return 'permission';
    case 404:
      return 'not_found';
    case 413:
      return 'request_too_large';
    case 429:
      return 'rate_limit';
    case 504:
      return 'timeout';
    case 529:
      return 'overloaded';
    default:
      return status >= 400 && status < 500 ? 'invalid_request' : 'api_error';
  }
}

/** A client's value inside an error message: JSON-quoted and cut short, so an error never echoes a megabyte back. */
export function quoteClientValue(value: unknown, maxCharacters = 100): string {
  const text = typeof value === 'string' ? value : String(value);
  return JSON.stringify(text.length > maxCharacters ? `${text.slice(0, maxCharacters)}...` : text);
}

export function assertNever(value: never, what = 'value'): never {
  throw new Error(`Unexpected ${what}: ${JSON.stringify(value)}`);
}
