/** GET /health with the real CLI: its version, login and live processes. (The model list is in test/in-process.) */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_VERSION, startTestProxy, type TestProxy } from '../support/start-test-proxy.ts';

let proxy: TestProxy;

beforeAll(async () => {
  proxy = await startTestProxy();
});
afterAll(async () => proxy.close());

describe('GET /health', () => {
  it('reports status, uptime, the CLI and its login, and live processes', async () => {
    const response = await fetch(`${proxy.url}/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      status: 'ok',
      uptime_seconds: expect.any(Number),
      cli: { path: expect.stringContaining('claude'), version: CLI_VERSION, logged_in: true, auth_method: 'api_key' },
      processes: { active: 0 },
    });
    expect(response.headers.get('request-id')).toMatch(/^req_/);
  });
});
