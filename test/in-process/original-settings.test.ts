/**
 * The original claude-code-proxy's settings and names, through the HTTP layer: DEFAULT_MODEL serves a request naming no
 * model (or `default`), DEFAULT_EFFORT and ENABLE_THINKING fill what a request leaves open, and `x-mcp-servers`
 * names registry servers on every API (the turn the runner gets carries them).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { injectFetch } from '../support/inject-fetch.ts';
import { startInProcessProxy, type InProcessProxy } from '../support/start-in-process-proxy.ts';

let proxy: InProcessProxy;
let call: typeof fetch;

beforeAll(async () => {
  proxy = await startInProcessProxy({
    settings: {
      DEFAULT_MODEL: 'opus-5',
      DEFAULT_EFFORT: 'high',
      ENABLE_THINKING: 'true',
      PROXY_MCP_CONFIG: JSON.stringify({ mcpServers: { neon: { command: 'neon-mcp', env: { NEON_API_KEY: 'secret' } } } }),
    },
  });
  call = injectFetch(proxy.app);
});
afterAll(async () => proxy.close());

async function post(path: string, payload: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return call(`http://localhost${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(payload) });
}

describe('the original settings', () => {
  it('serves a request without a model, or with `default`, by DEFAULT_MODEL, with DEFAULT_EFFORT and adaptive thinking', async () => {
    expect((await post('/v1/chat/completions', { messages: [{ role: 'user', content: 'hi' }] })).status).toBe(200);
    expect((await post('/v1/messages', { model: 'default', max_tokens: 20, messages: [{ role: 'user', content: 'hi' }] })).status).toBe(200);
    for (const turn of proxy.runner.turns.slice(-2)) {
      expect(turn).toMatchObject({ model: 'claude-opus-5', effort: 'high', thinking: { type: 'adaptive' } });
    }
  });

  it('leaves what the client chose: its model, its effort, thinking off', async () => {
    const response = await post('/v1/chat/completions', { model: 'openai/sonnet-4-6', reasoning_effort: 'low', messages: [{ role: 'user', content: 'hi' }] });
    expect(response.status).toBe(200);
    expect(proxy.runner.turns.at(-1)).toMatchObject({ model: 'claude-sonnet-4-6', effort: 'low' });
    await post('/v1/messages', { model: 'haiku', max_tokens: 20, thinking: { type: 'disabled' }, messages: [{ role: 'user', content: 'hi' }] });
    expect(proxy.runner.turns.at(-1)).toMatchObject({ model: 'haiku', thinking: { type: 'disabled' } });
  });

  it('x-mcp-servers names registry servers on Chat Completions; an unknown one is a 400 in the OpenAI shape', async () => {
    await post('/v1/chat/completions', { model: 'sonnet', messages: [{ role: 'user', content: 'hi' }] }, { 'x-mcp-servers': 'neon' });
    expect(proxy.runner.turns.at(-1)!.mcpServers).toEqual([{ name: 'neon' }]);
    const refused = await post('/v1/chat/completions', { model: 'sonnet', messages: [{ role: 'user', content: 'hi' }] }, { 'x-mcp-servers': 'neon, supabase' });
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ error: { type: 'invalid_request_error', message: 'unknown MCP server "supabase": available: neon' } });
    const health = (await (await call('http://localhost/health')).json()) as { mcp_servers: string[] };
    expect(health.mcp_servers).toEqual(['neon']);
    expect(JSON.stringify(health)).not.toContain('NEON_API_KEY');
  });
});
