/**
 * @module
 * Turns the CLI's failures into ProxyErrors with the status the real API would have used.
 * `api_error_status` is the upstream HTTP status when the CLI knows it; it is null for connection failures,
 * for "Not logged in", and for 529 after retries, so the text is read as a fallback (measured, CLI 2.1.197).
 */
import { kindForStatus, ProxyError } from '../errors.ts';

export const LOGIN_HINT =
  'The Claude Code CLI used by claude-cli-proxy is not logged in. Run `claude auth login` ' +
  '(or `npx claude auth login` in the proxy folder) on the machine running the proxy, then retry.';

export interface CliErrorContext {
  /** The `error` tag of the CLI's synthetic assistant message, if one came (rate_limit, authentication_failed, ...). */
  syntheticError?: string | undefined;
  /** From a rejected `rate_limit_event` (subscription auth): epoch seconds when the limit resets. */
  rateLimitResetsAt?: number | undefined;
  nowSeconds: number;
}

export function mapCliResultError(
  result: { api_error_status?: number | null | undefined; result?: string | null | undefined; subtype: string },
  context: CliErrorContext,
): ProxyError {
  const text = (result.result ?? '').trim();
  if (isExtraUsageRefusal(text)) return extraUsageRefusal(text);
  const message = text !== '' ? text : `Claude Code CLI reported an error (${result.subtype})`;
  const retryAfterSeconds = context.rateLimitResetsAt != null ? Math.max(1, Math.ceil(context.rateLimitResetsAt - context.nowSeconds)) : undefined;
  const status = result.api_error_status ?? statusFromText(text, context.syntheticError);

  const kind = kindForStatus(status);
  if (kind === 'authentication') {
    return new ProxyError(
      kind,
      isNotLoggedIn(text)
        ? `${message}. ${LOGIN_HINT}`
        : `${message} (upstream rejected the credentials of the proxy's Claude Code CLI: check ANTHROPIC_API_KEY if you set one, or run \`claude auth login\` again)`,
      { status, upstream: true, ...(isNotLoggedIn(text) ? { cliCondition: 'cli_not_logged_in' as const } : {}) },
    );
  }
  return new ProxyError(kind, message, {
    status,
    upstream: true,
    ...(retryAfterSeconds != null && kind === 'rate_limit' ? { retryAfterSeconds } : {}),
  });
}

/**
 * The upstream's refusal to count a subscription request against the plan: an HTTP 400 invalid_request_error whose
 * message starts "Third-party apps now draw from your extra usage, not your plan limits." (the rest varies: a credit
 * offered, or "Add more at claude.ai/settings/usage"). Nothing is wrong with the client's request, so it is not
 * relayed as one: it becomes a billing error (402; OpenAI `insufficient_quota`) that says what happened.
 */
function isExtraUsageRefusal(text: string): boolean {
  return /third-party apps (?:now )?draw from (?:your )?extra usage/i.test(text);
}

function extraUsageRefusal(text: string): ProxyError {
  return new ProxyError(
    'billing',
    'The upstream API refused this request as third-party app usage: it draws from the extra usage of the account the ' +
      "proxy's Claude Code CLI is logged in with, not from the plan limits of its Claude subscription. Extra usage can be " +
      `added at claude.ai/settings/usage. Upstream said: ${upstreamMessage(text)}`,
    { upstream: true },
  );
}

/**
 * The upstream's own message: CLI 2.1.332 writes "API Error: 400 <message>" (measured with test/e2e/openclaw.e2e.test.ts);
 * a JSON error body after the status is read too.
 */
function upstreamMessage(text: string): string {
  const message = text.replace(/^API Error: \d+\s*/, '');
  if (message.startsWith('{')) {
    try {
      const body = JSON.parse(message) as { error?: { message?: unknown } };
      if (typeof body.error?.message === 'string') return body.error.message;
    } catch {
      // not JSON: the text as the CLI gave it
    }
  }
  return message;
}

export function isNotLoggedIn(text: string): boolean {
  return /not logged in|please run \/login/i.test(text);
}

function statusFromText(text: string, syntheticError: string | undefined): number {
  if (isNotLoggedIn(text) || syntheticError === 'authentication_failed' || /invalid api key/i.test(text)) return 401;
  if (syntheticError === 'rate_limit' || /rate limit|session limit|usage limit|hit your .*limit/i.test(text)) return 429;
  if (/\b529\b|overloaded/i.test(text)) return 529;
  if (syntheticError === 'model_not_found') return 404;
  if (/prompt is too long/i.test(text)) return 400;
  if (/unable to connect|ECONNRESET|ECONNREFUSED|socket hang up|fetch failed/i.test(text)) return 502;
  if (/timed? ?out/i.test(text)) return 504;
  return 500;
}

/** The CLI ended without a `result` line: it could not start, crashed, or was killed. */
export function mapCliExitError(
  exit: { code: number | null; signal: string | null; spawnError?: Error | undefined },
  stderr: string,
  claudePath: string,
): ProxyError {
  if (exit.spawnError != null) {
    return new ProxyError(
      'api_error',
      `could not start the Claude Code CLI (${claudePath}): ${exit.spawnError.message}. Set CLAUDE_PATH or install it (npm install -g @anthropic-ai/claude-code).`,
      { cause: exit.spawnError, cliCondition: 'cli_not_runnable' },
    );
  }
  const tail = stderr.trim().split('\n').slice(-3).join(' | ');
  if (isNotLoggedIn(tail)) return new ProxyError('authentication', `${tail}. ${LOGIN_HINT}`, { cliCondition: 'cli_not_logged_in' });
  const how = exit.signal != null ? `was killed by ${exit.signal}` : `exited with code ${String(exit.code)}`;
  return new ProxyError('api_error', `the Claude Code CLI ${how} without an answer${tail !== '' ? `: ${tail}` : ''}`);
}
