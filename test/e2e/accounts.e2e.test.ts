/**
 * Two subscription accounts (two OAuth tokens, as `claude setup-token` gives) against the fake upstream, which answers
 * each by the token the CLI sent: new conversations go to the account with the most quota left, a conversation stays
 * on its account, a rejected account's turn is retried once on the other before anything reaches the client and the
 * rejected account cools down until its reset, a key bound to an account uses only it, and /health and /metrics show
 * each account.
 */
import Anthropic from '@anthropic-ai/sdk';
import { afterEach, describe, expect, it } from 'vitest';
import type { Account } from '../../src/accounts/account-registry.ts';
import { errorReply, textReply, type RecordedRequest } from '../support/fake-upstream.ts';
import { sample } from '../support/prometheus-sample.ts';
import { startTestProxy, type TestProxy } from '../support/start-test-proxy.ts';
import { inSeconds, rfc3339, unifiedHeaders } from '../support/unified-quota-headers.ts';

const tokenAccount = (name: string): Account => ({
  name,
  kind: 'token',
  environment: { CLAUDE_CODE_OAUTH_TOKEN: `sk-ant-oat01-${name}`, ANTHROPIC_API_KEY: undefined, ANTHROPIC_AUTH_TOKEN: undefined },
});

let proxy: TestProxy | undefined;
afterEach(async () => {
  await proxy?.close();
  proxy = undefined;
});

/** Which account's token the upstream saw on a model request. */
const accountOf = (request: RecordedRequest) => /sk-ant-oat01-(\w+)/.exec(String(request.headers.authorization ?? ''))?.[1];

async function start(
  options: { keyAccounts?: ReadonlyMap<string, string>; settings?: Record<string, string> } = {},
): Promise<{ proxy: TestProxy; anthropic: Anthropic }> {
  proxy = await startTestProxy({
    settings: options.settings,
    cliEnvironment: { ANTHROPIC_API_KEY: undefined },
    accounts: { list: [tokenAccount('alpha'), tokenAccount('beta')], keyAccounts: options.keyAccounts },
  });
  return { proxy, anthropic: new Anthropic({ baseURL: proxy.url, apiKey: 'x', maxRetries: 0 }) };
}

const ask = (content: string | Anthropic.MessageParam[]) => ({
  model: 'sonnet',
  max_tokens: 20,
  messages: typeof content === 'string' ? [{ role: 'user' as const, content }] : content,
});

describe('subscription accounts', () => {
  it('send a new conversation to the account with the most quota left, and keep a conversation on its account', async () => {
    const { proxy, anthropic } = await start();
    // alpha is 80 % into its five-hour window (past the warning threshold: both CLI versions report it), beta 20 %.
    proxy.upstream.when('acct', (request) =>
      accountOf(request) === 'alpha'
        ? textReply('from alpha', { headers: unifiedHeaders({ status: 'allowed_warning', fiveHour: 0.8, surpassed: 0.75, reset: inSeconds(7200) }) })
        : textReply('from beta', { headers: unifiedHeaders({ status: 'allowed', fiveHour: 0.2, reset: inSeconds(7200) }) }),
    );
    const first = await anthropic.messages.create(ask('acct one'));
    // Nothing known yet: the first account in the list.
    expect(accountOf(proxy.upstream.modelRequests('acct one')[0]!)).toBe('alpha');
    await anthropic.messages.create(ask('acct two'));
    expect(accountOf(proxy.upstream.modelRequests('acct two')[0]!)).toBe('beta');
    await anthropic.messages.create(ask('acct three'));
    expect(accountOf(proxy.upstream.modelRequests('acct three')[0]!)).toBe('beta');
    // The first conversation goes on: on alpha, where it started, though beta has more left.
    await anthropic.messages.create(
      ask([
        { role: 'user', content: 'acct one' },
        { role: 'assistant', content: first.content },
        { role: 'user', content: 'acct one more' },
      ]),
    );
    expect(proxy.upstream.modelRequests('acct one more').map(accountOf)).toEqual(['alpha']);

    const health = (await (await fetch(`${proxy.url}/health`)).json()) as { accounts: Array<Record<string, unknown>> };
    expect(health.accounts).toEqual([
      expect.objectContaining({
        name: 'alpha',
        kind: 'token',
        turns: 2,
        rejections: 0,
        cooling_until: null,
        quota: expect.objectContaining({ status: 'allowed_warning' }),
      }),
      expect.objectContaining({ name: 'beta', kind: 'token', turns: 2, rejections: 0, cooling_until: null }),
    ]);
    expect(JSON.stringify(health)).not.toContain('sk-ant-oat01');
    const metrics = await (await fetch(`${proxy.url}/metrics`)).text();
    expect(sample(metrics, 'claude_proxy_account_turns_total', { account: 'alpha', outcome: 'completed' })).toBe(2);
    expect(sample(metrics, 'claude_proxy_account_quota_utilization', { account: 'alpha', window: 'five_hour' })).toBe(0.8);
  });

  it('retry a turn the upstream rejected for its limit on the other account, before anything was sent, and cool the first down', async () => {
    const { proxy, anthropic } = await start();
    const reset = inSeconds(3000);
    proxy.upstream.when('limit', (request) =>
      accountOf(request) === 'alpha'
        ? errorReply(429, 'rate_limit_error', 'limit reached', unifiedHeaders({ status: 'rejected', fiveHour: 1, reset }))
        : textReply('from beta', { headers: unifiedHeaders({ status: 'allowed', fiveHour: 0.3, reset: inSeconds(7200) }) }),
    );
    const answer = await anthropic.messages.create(ask('limit one'));
    expect(answer.content).toEqual([{ type: 'text', text: 'from beta' }]);
    expect(proxy.upstream.modelRequests('limit one').map(accountOf)).toEqual(['alpha', 'beta']);
    // alpha is passed over until its reset: the next conversation goes straight to beta.
    await anthropic.messages.create(ask('limit two'));
    expect(proxy.upstream.modelRequests('limit two').map(accountOf)).toEqual(['beta']);

    const health = (await (await fetch(`${proxy.url}/health`)).json()) as {
      accounts: Array<{ name: string; cooling_until: string | null; rejections: number }>;
    };
    expect(health.accounts.find((account) => account.name === 'alpha')).toMatchObject({ cooling_until: rfc3339(reset).replace('Z', '.000Z'), rejections: 1 });
    const metrics = await (await fetch(`${proxy.url}/metrics`)).text();
    expect(sample(metrics, 'claude_proxy_account_cooling', { account: 'alpha' })).toBe(1);
    expect(sample(metrics, 'claude_proxy_account_cooling', { account: 'beta' })).toBe(0);
    expect(sample(metrics, 'claude_proxy_account_turns_total', { account: 'alpha', outcome: 'failed' })).toBe(1);
  });

  it('serve a key bound to an account only from it: a 429 with its reset time while it cools down', async () => {
    const { proxy } = await start({ settings: { PROXY_API_KEYS: 'cursor:sk-cursor' }, keyAccounts: new Map([['cursor', 'alpha']]) });
    const bound = new Anthropic({ baseURL: proxy.url, apiKey: 'sk-cursor', maxRetries: 0 });
    const reset = inSeconds(5000);
    proxy.upstream.when('bound', (request) =>
      accountOf(request) === 'alpha'
        ? errorReply(429, 'rate_limit_error', 'limit reached', unifiedHeaders({ status: 'rejected', fiveHour: 1, reset }))
        : textReply('from beta'),
    );
    const refused = await bound.messages.create(ask('bound one')).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(Anthropic.RateLimitError);
    expect(proxy.upstream.modelRequests('bound one').map(accountOf)).toEqual(['alpha']);
    // Cooling down: refused at once, with the time to come back, and the upstream is not asked.
    const again = await bound.messages.create(ask('bound two')).catch((error: unknown) => error);
    expect(again).toBeInstanceOf(Anthropic.RateLimitError);
    const retryAfter = Number((again as InstanceType<typeof Anthropic.RateLimitError>).headers?.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(4900);
    expect(retryAfter).toBeLessThanOrEqual(5000);
    expect(proxy.upstream.modelRequests('bound two')).toEqual([]);
  });

  it("carry the serving account's quota on a stream retried there, never the rejected account's", async () => {
    const { proxy } = await start({ settings: { PROXY_API_KEYS: 'cursor:sk-cursor,cline:sk-cline' }, keyAccounts: new Map([['cline', 'beta']]) });
    proxy.upstream.when('headers', (request) =>
      accountOf(request) === 'alpha'
        ? errorReply(429, 'rate_limit_error', 'limit reached', unifiedHeaders({ status: 'rejected', fiveHour: 1, reset: inSeconds(3000) }))
        : textReply('from beta', { headers: unifiedHeaders({ status: 'allowed', fiveHour: 0.3, reset: inSeconds(7200) }) }),
    );
    // beta's quota becomes known through a key bound to it.
    await new Anthropic({ baseURL: proxy.url, apiKey: 'sk-cline', maxRetries: 0 }).messages.create(ask('headers first'));
    const { data: stream, response } = await new Anthropic({ baseURL: proxy.url, apiKey: 'sk-cursor', maxRetries: 0 }).messages
      .stream(ask('headers streamed'))
      .withResponse();
    expect((await stream.finalMessage()).content).toEqual([{ type: 'text', text: 'from beta' }]);
    expect(proxy.upstream.modelRequests('headers streamed').map(accountOf)).toEqual(['alpha', 'beta']);
    expect(response.headers.get('anthropic-ratelimit-unified-status')).toBe('allowed');
    expect(response.headers.get('x-ratelimit-remaining')).not.toBe('0');
  });

  it("try the upstream's extra-usage refusal on the other account without resting the first", async () => {
    const { proxy, anthropic } = await start();
    proxy.upstream.when('extra', (request) =>
      accountOf(request) === 'alpha'
        ? errorReply(
            400,
            'invalid_request_error',
            'Third-party apps now draw from your extra usage, not your plan limits. Add more at claude.ai/settings/usage.',
          )
        : textReply('from beta'),
    );
    expect((await anthropic.messages.create(ask('extra one'))).content).toEqual([{ type: 'text', text: 'from beta' }]);
    expect(proxy.upstream.modelRequests('extra one').map(accountOf)).toEqual(['alpha', 'beta']);
    const health = (await (await fetch(`${proxy.url}/health`)).json()) as { accounts: Array<{ name: string; cooling_until: string | null }> };
    expect(health.accounts.find((account) => account.name === 'alpha')?.cooling_until).toBeNull();
  });
});
