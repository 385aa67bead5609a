/**
 * The status page (GET /) in headless Chromium against the in-process proxy: after real requests on the three APIs,
 * the page draws what GET /v1/status answers (CLI, recent requests, usage charts), loads nothing but itself and
 * /v1/status from loopback, logs no error, and with PROXY_API_KEYS asks for a key and sends it as a Bearer token.
 * Screenshots (light and dark) go to test-results/. Skipped without /usr/bin/chromium, unless CI is set.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StatusSnapshot } from '../../src/server/status-snapshot.ts';
import { AccountRouter } from '../../src/server/account-router.ts';
import { startInProcessProxy, type InProcessProxy } from '../support/start-in-process-proxy.ts';

const CHROMIUM_PATH = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const MISSING = existsSync(CHROMIUM_PATH) ? undefined : `${CHROMIUM_PATH} is missing (apt-get install chromium)`;
/** Outside CI a missing browser skips these tests; in CI (.ci/run installs chromium) it fails them. */
const SKIP_REASON = MISSING != null && process.env.CI == null ? MISSING : undefined;
const SCREENSHOTS = 'test-results';
const KEY = 'sk-status-page-test';

let browser: Browser;

beforeAll(async () => {
  if (SKIP_REASON != null) return;
  if (MISSING != null) throw new Error(`${MISSING}: CI must install it`);
  browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
  mkdirSync(SCREENSHOTS, { recursive: true });
});
afterAll(async () => browser?.close());

/** One request per API, streamed and not; `headers` carries the proxy key when keys are set. */
async function sendRequests(base: URL, headers: Record<string, string> = {}): Promise<void> {
  const requests: [string, Record<string, unknown>][] = [
    ['/v1/messages', { model: 'sonnet', max_tokens: 50, messages: [{ role: 'user', content: 'hello' }] }],
    ['/v1/messages', { model: 'haiku', max_tokens: 50, stream: true, messages: [{ role: 'user', content: 'hello' }] }],
    ['/v1/chat/completions', { model: 'sonnet', messages: [{ role: 'user', content: 'hello' }] }],
    ['/v1/chat/completions', { model: 'opus', stream: true, messages: [{ role: 'user', content: 'hello' }] }],
    ['/v1/responses', { model: 'sonnet', input: 'hello' }],
  ];
  for (const [path, body] of requests) {
    const response = await fetch(new URL(path, base), {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', ...headers },
      body: JSON.stringify(body),
    });
    await response.text();
    expect({ path, status: response.status }).toEqual({ path, status: 200 });
  }
}

async function statusOf(base: URL, headers: Record<string, string> = {}): Promise<StatusSnapshot> {
  const response = await fetch(new URL('/v1/status', base), { headers });
  expect(response.status).toBe(200);
  return (await response.json()) as StatusSnapshot;
}

interface Watched {
  context: BrowserContext;
  page: Page;
  /** Console errors, page errors, failed requests and requests that left loopback. */
  problems: string[];
  statusRequests: { authorization: string | undefined }[];
}

/** A page in a new context that records every problem: console errors, failed or refused requests, non-loopback hosts. */
async function openPage(options: BrowserContextOptions = {}, allowed: (text: string, url: string) => boolean = () => false): Promise<Watched> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, ...options });
  const page = await context.newPage();
  const problems: string[] = [];
  const statusRequests: Watched['statusRequests'] = [];
  page.on('console', (message) => {
    if (message.type() === 'error' && !allowed(message.text(), message.location().url)) problems.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('requestfailed', (request) => problems.push(`request failed: ${request.url()} ${request.failure()?.errorText ?? ''}`));
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (url.protocol !== 'data:' && url.hostname !== '127.0.0.1') problems.push(`request to ${request.url()}`);
    if (url.pathname === '/v1/status') statusRequests.push({ authorization: request.headers().authorization });
  });
  page.on('response', (response) => {
    if (response.status() >= 400 && !allowed(`status of ${response.status()}`, response.url())) problems.push(`HTTP ${response.status()}: ${response.url()}`);
  });
  return { context, page, problems, statusRequests };
}

/** The text of a locator once it contains `text` (polling: the page fetches its data after loading). */
async function textOnceItHas(page: Page, selector: string, text: string): Promise<string> {
  await page.locator(selector, { hasText: text }).first().waitFor();
  return (await page.locator(selector).first().textContent()) ?? '';
}

describe('the status page without proxy keys', () => {
  let proxy: InProcessProxy;
  let status: StatusSnapshot;

  beforeAll(async () => {
    if (SKIP_REASON != null) return;
    proxy = await startInProcessProxy();
    await sendRequests(proxy.url);
    status = await statusOf(proxy.url);
  });
  afterAll(async () => proxy?.close());

  it('is served without data, with a strict content security policy; /dashboard leads to it', async ({ skip }) => {
    skip(SKIP_REASON != null, SKIP_REASON);
    const response = await fetch(new URL('/', proxy.url));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    const policy = response.headers.get('content-security-policy') ?? '';
    expect(policy).toContain("default-src 'none'");
    expect(policy).toContain("connect-src 'self'");
    expect(policy).toMatch(/script-src 'sha256-[\w+/=]+'(;|$)/);
    expect(policy).not.toContain('unsafe');
    const html = await response.text();
    for (const figure of [status.cli.version!, ...status.recent_requests.map((request) => request.request_id)]) expect(html).not.toContain(figure);

    const dashboard = await fetch(new URL('/dashboard', proxy.url), { redirect: 'manual' });
    expect(dashboard.status).toBe(302);
    expect(dashboard.headers.get('location')).toBe('/');
  });

  it('shows the CLI, the recent requests and the usage charts, in light and dark mode, loading nothing else', async ({ skip }) => {
    skip(SKIP_REASON != null, SKIP_REASON);
    for (const colorScheme of ['light', 'dark'] as const) {
      const { context, page, problems } = await openPage({ colorScheme });
      await page.goto(new URL('/', proxy.url).href);

      expect(await textOnceItHas(page, '#cli', status.cli.version!)).toContain('logged in (api_key)');
      expect(await page.locator('#key-form').isVisible()).toBe(false);
      const rows = page.locator('#requests-table tbody tr');
      await rows.nth(status.recent_requests.length - 1).waitFor();
      expect(await rows.count()).toBe(status.recent_requests.length);
      expect(status.recent_requests).toHaveLength(5);
      const table = (await page.locator('#requests-table').textContent()) ?? '';
      for (const request of status.recent_requests) {
        expect(table).toContain(request.model);
        expect(table).toContain(request.api + (request.stream ? ' (stream)' : ''));
      }
      expect(await page.locator('#requests-table tbody td.green').count()).toBe(5);

      const keyChart = page.locator('[data-chart=key]');
      expect(await keyChart.locator('svg rect').count()).toBeGreaterThan(0);
      expect(await keyChart.locator('.legend').textContent()).toBe('-');
      const modelLegend = (await page.locator('[data-chart=model] .legend').textContent()) ?? '';
      for (const day of status.usage) expect(modelLegend).toContain(day.model);
      expect(await page.locator('#usage-table tbody tr').count()).toBe(new Set(status.usage.map((day) => day.model)).size);

      await page.screenshot({ path: `${SCREENSHOTS}/${colorScheme === 'light' ? 'status-page' : 'status-page-dark'}.png`, fullPage: true });
      await page.setViewportSize({ width: 390, height: 844 });
      // Nothing wider than the screen: wide tables scroll inside their sections.
      expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
      if (colorScheme === 'light') await page.screenshot({ path: `${SCREENSHOTS}/status-page-narrow.png`, fullPage: true });
      expect(problems).toEqual([]);
      await context.close();
    }
  });

  it('says so when a fetch fails, keeps fetching one at a time, and recovers', async ({ skip }) => {
    skip(SKIP_REASON != null, SKIP_REASON);
    const { context, page, problems, statusRequests } = await openPage({}, (_text, url) => url.endsWith('/v1/status'));
    // Page time stands still but for runFor: each refresh is one the test let happen.
    const start = Date.now();
    await page.clock.install({ time: start });
    await page.clock.pauseAt(start + 1000);
    await page.goto(new URL('/', proxy.url).href);
    await page.locator('#content').waitFor();
    expect(await page.locator('#message').isVisible()).toBe(false);

    await page.route('**/v1/status', (route) =>
      route.fulfill({
        status: 503,
        contentType: 'application/json',
        body: JSON.stringify({ type: 'error', error: { type: 'api_error', message: 'down for a test' } }),
      }),
    );
    await page.clock.runFor(5000);
    await page.locator('#message', { hasText: 'Could not load /v1/status: down for a test' }).waitFor();
    expect(await page.locator('#dot').getAttribute('class')).toBe('dot red');
    expect(await page.locator('#content').isVisible()).toBe(true);

    await page.unroute('**/v1/status');
    await page.clock.runFor(5000);
    await page.locator('#message').waitFor({ state: 'hidden' });
    expect(statusRequests).toHaveLength(3);
    expect(problems).toEqual([]);
    await context.close();
  });
});

describe('the status page with proxy keys', () => {
  let proxy: InProcessProxy;

  beforeAll(async () => {
    if (SKIP_REASON != null) return;
    proxy = await startInProcessProxy({ settings: { PROXY_API_KEYS: `status-tester:${KEY},other-key` } });
    await sendRequests(proxy.url, { authorization: `Bearer ${KEY}` });
  });
  afterAll(async () => proxy?.close());

  it('asks for a key, refuses a wrong one, shows the data with the right one and keeps it for the session', async ({ skip }) => {
    skip(SKIP_REASON != null, SKIP_REASON);
    // The 401s of /v1/status are this test's point; Chromium logs each as a console error.
    const { context, page, problems, statusRequests } = await openPage({}, (text, url) => url.endsWith('/v1/status') && text.includes('status of 401'));
    await page.goto(new URL('/', proxy.url).href);

    await page.locator('#key-form').waitFor();
    expect(await page.locator('#key-error').isVisible()).toBe(false);
    expect(await page.locator('#content').isVisible()).toBe(false);

    // A key no header can carry (a pasted zero-width space) is refused before any fetch.
    await page.locator('#key').fill('sk-\u200bpasted');
    await page.locator('#key-form button[type=submit]').click();
    expect(await textOnceItHas(page, '#key-error', 'printable ASCII')).toContain('check what was pasted');

    await page.locator('#key').fill('not-the-key');
    await page.locator('#key-form button[type=submit]').click();
    expect(await textOnceItHas(page, '#key-error', 'refused')).toContain('invalid API key');
    expect(await page.locator('#content').isVisible()).toBe(false);

    await page.locator('#key').fill(KEY);
    await page.locator('#key-form button[type=submit]').click();
    await page.locator('#requests-table tbody tr').first().waitFor();
    expect(await page.locator('#key-form').isVisible()).toBe(false);
    expect(await page.locator('#summary').textContent()).toContain('auth: keys');
    expect(await page.locator('#requests-table tbody').textContent()).toContain('status-tester');
    expect(await page.locator('[data-chart=key] .legend').textContent()).toBe('status-tester');
    expect(statusRequests.slice(0, 3).map((request) => request.authorization)).toEqual([undefined, 'Bearer not-the-key', `Bearer ${KEY}`]);

    await page.reload();
    await page.locator('#requests-table tbody tr').first().waitFor();
    expect(await page.locator('#key-form').isVisible()).toBe(false);
    expect(statusRequests.at(-1)?.authorization).toBe(`Bearer ${KEY}`);
    await page.screenshot({ path: `${SCREENSHOTS}/status-page-keys.png`, fullPage: true });
    expect(problems).toEqual([]);
    await context.close();
  });
});

describe('the status page under a subscription login', () => {
  let proxy: InProcessProxy;

  beforeAll(async () => {
    if (SKIP_REASON != null) return;
    proxy = await startInProcessProxy();
    // What a turn's rate_limit_event line leaves (src/cli/track-quota.ts): 42 % of the five-hour window used.
    const now = Date.now();
    proxy.app.latestQuota.record(
      {
        status: 'allowed',
        rateLimitType: 'five_hour',
        resetsAt: Math.floor(now / 1000) + 2 * 3600 + 13 * 60 + 30,
        utilization: 0.42,
        unifiedWindows: {
          five_hour: { status: 'allowed', utilization: 0.42, resetsAt: Math.floor(now / 1000) + 2 * 3600 + 13 * 60 + 30 },
          seven_day: { status: 'allowed', utilization: 0.1, resetsAt: Math.floor(now / 1000) + 4 * 86_400 + 22 * 3600 + 1800 },
        },
      },
      now,
    );
  });
  afterAll(async () => proxy?.close());

  it('shows the quota of each window with its reset time', async ({ skip }) => {
    skip(SKIP_REASON != null, SKIP_REASON);
    const { context, page, problems } = await openPage();
    await page.goto(new URL('/', proxy.url).href);
    const quota = await textOnceItHas(page, '#quota', '42% used');
    expect(quota).toContain('five hour');
    expect(quota).toMatch(/in 2 h 1[23] min/);
    expect(quota).toContain('seven day');
    // Half an hour past a whole hour: the text does not depend on the second the page draws it.
    expect(quota).toMatch(/seven day: 10%.*resets.*\(in 4 d 22 h\)/);
    await page.screenshot({ path: `${SCREENSHOTS}/status-page-quota.png` });
    expect(problems).toEqual([]);
    await context.close();
  });
});

describe('the status page with subscription accounts', () => {
  let proxy: InProcessProxy;

  beforeAll(async () => {
    if (SKIP_REASON != null) return;
    const token = (name: string) => ({ name, kind: 'token' as const, environment: { CLAUDE_CODE_OAUTH_TOKEN: `sk-ant-oat01-${name}` } });
    const router = new AccountRouter([token('alpha'), token('beta')], new Map(), Date.now);
    proxy = await startInProcessProxy({ accounts: router });
    await sendRequests(proxy.url);
    const now = Date.now();
    router.recordLogin('alpha', true);
    router.recordLogin('beta', true);
    router.recordQuota('alpha', { status: 'allowed', rateLimitType: 'five_hour', utilization: 0.35, resetsAt: Math.floor(now / 1000) + 3 * 3600 + 120 });
    router.recordQuota('beta', { status: 'rejected', rateLimitType: 'five_hour', utilization: 1, resetsAt: Math.floor(now / 1000) + 45 * 60 + 30 });
  });
  afterAll(async () => proxy?.close());

  it('shows each account: login, quota with its reset, whether it rests, its turns', async ({ skip }) => {
    skip(SKIP_REASON != null, SKIP_REASON);
    const { context, page, problems } = await openPage();
    await page.goto(new URL('/', proxy.url).href);
    const accounts = await textOnceItHas(page, '#accounts-table', 'beta');
    expect(accounts).toMatch(/alpha.*token.*logged in.*35% used \(five hour\).*in 3 h [12] min.*serving/);
    expect(accounts).toMatch(/beta.*100% used.*in 45 min.*resting until/);
    expect(accounts).not.toContain('sk-ant-oat01');
    await page.screenshot({ path: `${SCREENSHOTS}/status-page-accounts.png`, fullPage: true });
    expect(problems).toEqual([]);
    await context.close();
  });
});
