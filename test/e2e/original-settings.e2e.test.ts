/**
 * The original claude-code-proxy's settings and model names, through the real CLI: what the upstream model request
 * carries when DEFAULT_MODEL, DEFAULT_EFFORT and ENABLE_THINKING are set and a client names no model, or a model the
 * original accepted (`sonnet-4-6` without `claude-`, an `openai/` prefix).
 */
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { textReply } from '../support/fake-upstream.ts';
import { startTestProxy, type TestProxy } from '../support/start-test-proxy.ts';

let proxy: TestProxy;

beforeAll(async () => {
  proxy = await startTestProxy({ settings: { DEFAULT_MODEL: 'sonnet-4-6', DEFAULT_EFFORT: 'high', ENABLE_THINKING: 'true' } });
});
afterAll(async () => proxy.close());

async function chat(body: Record<string, unknown>): Promise<Response> {
  return fetch(`${proxy.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

describe('the original settings, as the upstream sees them', () => {
  it('serves a request without a model by DEFAULT_MODEL, with DEFAULT_EFFORT and thinking on', async () => {
    proxy.upstream.when('marker-default-model', textReply('Default served.'));
    const response = await chat({ messages: [{ role: 'user', content: 'marker-default-model hi' }] });
    expect(response.status).toBe(200);
    expect(((await response.json()) as OpenAI.ChatCompletion).choices[0]!.message.content).toBe('Default served.');
    const body = proxy.upstream.modelRequests('marker-default-model')[0]!.body;
    expect(body.model).toBe('claude-sonnet-4-6');
    expect(body.thinking).toBeDefined();
    expect(body.thinking.type).not.toBe('disabled');
    expect(body.output_config?.effort).toBe('high');
  });

  it("takes the original's model names, and leaves thinking off when the client says so", async () => {
    proxy.upstream.when('marker-openai-prefix', textReply('Prefixed served.'));
    const openai = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: 'x', maxRetries: 0 });
    const completion = await openai.chat.completions.create({
      model: 'openai/sonnet-4-5',
      reasoning_effort: 'none' as never,
      messages: [{ role: 'user', content: 'marker-openai-prefix hi' }],
    });
    expect(completion.choices[0]!.message.content).toBe('Prefixed served.');
    const body = proxy.upstream.modelRequests('marker-openai-prefix')[0]!.body;
    expect(body.model).toBe('claude-sonnet-4-5');
    expect(body.thinking).toBeUndefined();
  });
});
