import { describe, expect, it } from 'vitest';
import { ProxyError } from '../errors.ts';
import { isNotLoggedIn, LOGIN_HINT, mapCliExitError, mapCliResultError } from './map-cli-error.ts';

const NOW = 1_000;

describe('mapCliResultError', () => {
  it.each([
    [400, 'invalid_request'],
    [401, 'authentication'],
    [403, 'permission'],
    [404, 'not_found'],
    [413, 'request_too_large'],
    [429, 'rate_limit'],
    [500, 'api_error'],
    [503, 'api_error'],
    [529, 'overloaded'],
  ] as const)('maps api_error_status %i to kind %s with that status', (status, kind) => {
    const error = mapCliResultError({ subtype: 'success', api_error_status: status, result: `API Error: ${status} upstream said no` }, { nowSeconds: NOW });
    expect(error).toBeInstanceOf(ProxyError);
    expect(error.kind).toBe(kind);
    expect(error.status).toBe(status);
    expect(error.message).toContain(`API Error: ${status} upstream said no`);
  });

  it.each([
    ['Not logged in · Please run /login', undefined, 401],
    ['Failed to authenticate.', 'authentication_failed', 401],
    ["You've hit your session limit · resets 10:24pm (UTC)", undefined, 429],
    ['Request rejected', 'rate_limit', 429],
    ['API Error: Repeated 529 Overloaded errors', 'server_error', 529],
    ["There's an issue with the selected model", 'model_not_found', 404],
    ['Prompt is too long', 'invalid_request', 400],
    ['API Error: Unable to connect to API (ECONNRESET)', undefined, 502],
    ['API Error: Request timed out.', undefined, 504],
    ['Something else broke', undefined, 500],
  ])('reads the status from the text %j (synthetic error %s) when api_error_status is null', (text, syntheticError, status) => {
    const error = mapCliResultError({ subtype: 'success', api_error_status: null, result: text }, { syntheticError, nowSeconds: NOW });
    expect(error.status).toBe(status);
    expect(error.message).toContain(text);
  });

  it('adds the login hint when the CLI is not logged in', () => {
    const error = mapCliResultError({ subtype: 'success', api_error_status: null, result: 'Not logged in · Please run /login' }, { nowSeconds: NOW });
    expect(error.kind).toBe('authentication');
    expect(error.message).toBe(`Not logged in · Please run /login. ${LOGIN_HINT}`);
    expect(error.cliCondition).toBe('cli_not_logged_in');
  });

  it('maps a rejected API key to 401 without the login hint', () => {
    const error = mapCliResultError({ subtype: 'success', api_error_status: null, result: 'Invalid API key · Fix external API key' }, { nowSeconds: NOW });
    expect(error.status).toBe(401);
    expect(error.message).not.toContain(LOGIN_HINT);
    expect(error.message).toContain('ANTHROPIC_API_KEY');
    expect(error.cliCondition).toBeUndefined();
  });

  it('says the login was rejected for other authentication failures', () => {
    const error = mapCliResultError(
      { subtype: 'success', api_error_status: 401, result: 'Failed to authenticate. API Error: 401 token expired' },
      { nowSeconds: NOW },
    );
    expect(error.kind).toBe('authentication');
    expect(error.message).toContain("upstream rejected the credentials of the proxy's Claude Code CLI");
    expect(error.message).not.toContain(LOGIN_HINT);
  });

  it('names the subtype when the CLI gave no text', () => {
    const error = mapCliResultError({ subtype: 'error_during_execution', result: null }, { nowSeconds: NOW });
    expect(error).toMatchObject({ kind: 'api_error', status: 500, message: 'Claude Code CLI reported an error (error_during_execution)' });
  });

  it('turns a rejected rate limit reset time into retry-after seconds, at least 1', () => {
    const result = { subtype: 'success', api_error_status: 429, result: 'limit' };
    expect(mapCliResultError(result, { rateLimitResetsAt: NOW + 90, nowSeconds: NOW }).retryAfterSeconds).toBe(90);
    expect(mapCliResultError(result, { rateLimitResetsAt: NOW + 0.2, nowSeconds: NOW }).retryAfterSeconds).toBe(1);
    expect(mapCliResultError(result, { rateLimitResetsAt: NOW - 50, nowSeconds: NOW }).retryAfterSeconds).toBe(1);
    expect(mapCliResultError(result, { nowSeconds: NOW }).retryAfterSeconds).toBeUndefined();
  });

  it('sends retry-after only with a rate limit error', () => {
    const error = mapCliResultError({ subtype: 'success', api_error_status: 500, result: 'boom' }, { rateLimitResetsAt: NOW + 90, nowSeconds: NOW });
    expect(error.retryAfterSeconds).toBeUndefined();
  });
});

describe('isNotLoggedIn', () => {
  it.each([
    ['Not logged in · Please run /login', true],
    // A rejected API key is not a missing login: `claude auth login` would be the wrong advice.
    ['Invalid API key · Fix external API key', false],
    ['please run /login', true],
    ['API Error: 500', false],
  ])('%j → %s', (text, expected) => {
    expect(isNotLoggedIn(text)).toBe(expected);
  });
});

describe('mapCliResultError: the third-party extra-usage refusal', () => {
  const upstreamText = (message: string) =>
    `API Error: 400 ${JSON.stringify({ type: 'error', error: { type: 'invalid_request_error', message }, request_id: 'req_011CZqh4woGUoytNUERuMS3X' })}`;

  it.each([
    "Third-party apps now draw from your extra usage, not your plan limits. We've added a $200 credit to get you started. Claim it at claude.ai/settings/usage and keep going.",
    'Third-party apps now draw from your extra usage, not your plan limits. Add more at claude.ai/settings/usage and keep going.',
    "Third-party apps now draw from extra usage, not plan limits. We've added a credit to your organization to get you started. Ask your workspace admin to claim it and keep going.",
  ])('is a 402 billing error that says what happened and quotes the upstream: %s', (message) => {
    const error = mapCliResultError({ subtype: 'success', api_error_status: 400, result: upstreamText(message) }, { nowSeconds: NOW });
    expect(error).toMatchObject({ kind: 'billing', status: 402 });
    expect(error.message).toBe(
      'The upstream API refused this request as third-party app usage: it draws from the extra usage of the account the ' +
        "proxy's Claude Code CLI is logged in with, not from the plan limits of its Claude subscription. Extra usage can be " +
        `added at claude.ai/settings/usage. Upstream said: ${message}`,
    );
  });

  it('reads the message from the text CLI 2.1.332 gives (the status, then the upstream message)', () => {
    const message = 'Third-party apps now draw from your extra usage, not your plan limits. Add more at claude.ai/settings/usage and keep going.';
    const error = mapCliResultError({ subtype: 'success', api_error_status: 400, result: `API Error: 400 ${message}` }, { nowSeconds: NOW });
    expect(error).toMatchObject({ kind: 'billing', status: 402 });
    expect(error.message).toMatch(/extra usage can be added at claude\.ai\/settings\/usage\. Upstream said: Third-party apps now draw/i);
    expect(error.message.endsWith(`Upstream said: ${message}`)).toBe(true);
  });

  it('leaves other 400s as invalid requests', () => {
    const error = mapCliResultError({ subtype: 'success', api_error_status: 400, result: upstreamText('messages.1: bad block') }, { nowSeconds: NOW });
    expect(error).toMatchObject({ kind: 'invalid_request', status: 400 });
  });
});

describe('mapCliExitError', () => {
  it('explains a CLI that could not be started', () => {
    const spawnError = Object.assign(new Error('spawn /opt/claude ENOENT'), { code: 'ENOENT' });
    const error = mapCliExitError({ code: null, signal: null, spawnError }, '', '/opt/claude');
    expect(error.kind).toBe('api_error');
    expect(error.message).toContain('could not start the Claude Code CLI (/opt/claude): spawn /opt/claude ENOENT');
    expect(error.message).toContain('Set CLAUDE_PATH');
    expect(error.cause).toBe(spawnError);
    expect(error.cliCondition).toBe('cli_not_runnable');
  });

  it('reports a not-logged-in stderr as an authentication error with the hint', () => {
    const error = mapCliExitError({ code: 1, signal: null }, 'starting\nNot logged in · Please run /login\n', 'claude');
    expect(error.kind).toBe('authentication');
    expect(error.status).toBe(401);
    expect(error.message).toContain(LOGIN_HINT);
  });

  it('names the signal that killed the CLI', () => {
    expect(mapCliExitError({ code: null, signal: 'SIGKILL' }, '', 'claude').message).toBe('the Claude Code CLI was killed by SIGKILL without an answer');
  });

  it('names the exit code and keeps the last three stderr lines', () => {
    const error = mapCliExitError({ code: 3, signal: null }, 'one\ntwo\nthree\nfour\n', 'claude');
    expect(error).toMatchObject({ kind: 'api_error', status: 500 });
    expect(error.message).toBe('the Claude Code CLI exited with code 3 without an answer: two | three | four');
  });
});
