/** GET /v1/models (both shapes, through both SDKs), /v1/models/{id} and /health. */
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_VERSION, startTestProxy, type TestProxy } from '../support/start-test-proxy.ts';

let proxy: TestProxy;

beforeAll(async () => {
  proxy = await startTestProxy();
});
afterAll(async () => proxy.close());

describe('GET /v1/models', () => {
  it('serves the Anthropic shape to the Anthropic SDK, paginated', async () => {
    const client = new Anthropic({ baseURL: proxy.url, apiKey: 'x' });
    const ids: string[] = [];
    for await (const model of client.models.list({ limit: 4 })) ids.push(model.id);
    expect(ids).toContain('claude-opus-4-8');
    expect(ids).toContain('claude-opus-5-5');
    expect(ids).toContain('sonnet');
    expect(new Set(ids).size).toBe(ids.length);
    const page = await client.models.list({ limit: 2 });
    expect(page.data).toHaveLength(2);
    expect(page.has_more).toBe(true);
    expect(page.data[0]).toMatchObject({ type: 'model', id: 'claude-opus-5-5', display_name: 'Claude Opus 5.5', created_at: expect.any(String) });
    const one = await client.models.retrieve('claude-sonnet-4-6');
    expect(one).toMatchObject({ type: 'model', id: 'claude-sonnet-4-6' });
  });

  it('serves the OpenAI list shape to OpenAI clients', async () => {
    const client = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: 'x' });
    const ids: string[] = [];
    for await (const model of client.models.list()) {
      expect(model).toMatchObject({ object: 'model', owned_by: 'anthropic', created: expect.any(Number) });
      ids.push(model.id);
    }
    expect(ids).toEqual(expect.arrayContaining(['opus', 'sonnet', 'haiku', 'claude-sonnet-5']));
    expect(await client.models.retrieve('haiku')).toMatchObject({ id: 'haiku', object: 'model' });
  });

  it('answers 404 for a model of no known family', async () => {
    const response = await fetch(`${proxy.url}/v1/models/gpt-4o`, { headers: { 'anthropic-version': '2023-06-01' } });
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ type: 'error', error: { type: 'not_found_error' } });
  });
});

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
