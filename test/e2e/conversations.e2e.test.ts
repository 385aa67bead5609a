/**
 * Exact conversations: what the upstream model receives is the client's conversation (structure, tool turns,
 * thinking, images, documents), and the request settings the proxy applies (stop sequences, ...).
 * The CLI's only additions are its currentDate reminder on the first user message and cache_control markers.
 */
import { randomBytes } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { textReply, withoutCliAdditions } from '../support/fake-upstream.ts';
import { startTestProxy, type TestProxy } from '../support/start-test-proxy.ts';

let proxy: TestProxy;
let anthropic: Anthropic;
let openai: OpenAI;

beforeAll(async () => {
  proxy = await startTestProxy();
  anthropic = new Anthropic({ baseURL: proxy.url, apiKey: 'x', maxRetries: 0 });
  openai = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: 'x', maxRetries: 0 });
});
afterAll(async () => proxy.close());

const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';
const PDF = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n').toString('base64');

/** The client's messages in block form (what the upstream must see). */
function asBlocks(messages: Anthropic.MessageParam[]): any[] {
  return messages.map((message) => ({
    role: message.role,
    content: typeof message.content === 'string' ? [{ type: 'text', text: message.content }] : message.content,
  }));
}

describe('the upstream sees the client conversation', () => {
  it('receives a multi-step tool conversation exactly: tool_use, tool_result (is_error, images), thinking with signatures', async () => {
    const messages: Anthropic.MessageParam[] = [
      { role: 'user', content: 'What is the weather in Paris and Rome?' },
      {
        role: 'assistant',
        content: [
          { type: 'thinking', thinking: 'I should look both up.', signature: 'sig-one' },
          { type: 'text', text: 'Checking.' },
          { type: 'tool_use', id: 'toolu_paris', name: 'get_weather', input: { city: 'Paris' } },
          { type: 'tool_use', id: 'toolu_rome', name: 'get_weather', input: { city: 'Rome' } },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'toolu_paris', content: 'rain' },
          { type: 'tool_result', tool_use_id: 'toolu_rome', content: [{ type: 'text', text: 'service down' }], is_error: true },
        ],
      },
      { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_map', name: 'get_map', input: { city: 'Rome' } }] },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'toolu_map', content: [{ type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG } }] },
          { type: 'text', text: 'marker-exact-tools go on' },
        ],
      },
    ];
    await anthropic.messages.create({ model: 'sonnet', max_tokens: 100, messages });
    const [request] = proxy.upstream.modelRequests('marker-exact-tools');
    expect(withoutCliAdditions(request!.body.messages)).toEqual(asBlocks(messages));
  });

  it('receives a conversation that ends with tool results exactly (the usual agent-loop request)', async () => {
    const messages: Anthropic.MessageParam[] = [
      { role: 'user', content: 'marker-tool-last weather?' },
      { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_w', name: 'get_weather', input: { city: 'Oslo' } }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_w', content: 'snow' }] },
    ];
    proxy.upstream.when('"snow"', textReply('It snows.'));
    const message = await anthropic.messages.create({ model: 'sonnet', max_tokens: 100, messages });
    expect(message.content).toEqual([{ type: 'text', text: 'It snows.' }]);
    const request = proxy.upstream.modelRequests().find((candidate) => JSON.stringify(candidate.body.messages).includes('marker-tool-last'));
    expect(withoutCliAdditions(request!.body.messages)).toEqual(asBlocks(messages));
  });

  it('merges consecutive same-role messages into one turn, as the API does', async () => {
    await anthropic.messages.create({
      model: 'sonnet',
      max_tokens: 10,
      messages: [
        { role: 'user', content: 'first part' },
        { role: 'user', content: 'second part' },
        { role: 'assistant', content: 'a1' },
        { role: 'assistant', content: 'a2' },
        { role: 'user', content: 'marker-merge' },
      ],
    });
    const [request] = proxy.upstream.modelRequests('marker-merge');
    expect(withoutCliAdditions(request!.body.messages)).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'first part' },
          { type: 'text', text: 'second part' },
        ],
      },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'a1' },
          { type: 'text', text: 'a2' },
        ],
      },
      { role: 'user', content: [{ type: 'text', text: 'marker-merge' }] },
    ]);
  });

  it('receives images (base64 and URL) and PDF documents unchanged', async () => {
    const content: Anthropic.ContentBlockParam[] = [
      { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG } },
      { type: 'image', source: { type: 'url', url: 'https://example.com/cat.jpg' } },
      { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: PDF }, title: 'spec.pdf' },
      { type: 'text', text: 'marker-media describe these' },
    ];
    await anthropic.messages.create({ model: 'sonnet', max_tokens: 10, messages: [{ role: 'user', content }] });
    const [request] = proxy.upstream.modelRequests('marker-media');
    expect(withoutCliAdditions(request!.body.messages)).toEqual([{ role: 'user', content }]);
  });

  it('rejects an image whose data is not what it claims with a 400, as the API does', async () => {
    const error = await anthropic.messages
      .create({
        model: 'sonnet',
        max_tokens: 10,
        messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'base64', media_type: 'image/jpeg', data: PNG } }] }],
      })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Anthropic.BadRequestError);
    expect((error as InstanceType<typeof Anthropic.APIError>).message).toContain('messages.0.content.0.source');
  });

  it('keeps a 20-turn conversation with images intact', async () => {
    const messages: Anthropic.MessageParam[] = [];
    for (let turn = 0; turn < 10; turn += 1) {
      messages.push({
        role: 'user',
        content:
          turn % 3 === 0
            ? [
                { type: 'text', text: `question ${turn}` },
                { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG } },
              ]
            : `question ${turn}`,
      });
      messages.push({ role: 'assistant', content: [{ type: 'text', text: `answer ${turn}` }] });
    }
    messages.push({ role: 'user', content: 'marker-twenty last question' });
    await anthropic.messages.create({ model: 'sonnet', max_tokens: 10, messages });
    const [request] = proxy.upstream.modelRequests('marker-twenty');
    expect(request!.body.messages).toHaveLength(21);
    expect(withoutCliAdditions(request!.body.messages)).toEqual(asBlocks(messages));
  });

  it('receives an OpenAI tool-calling history as the same tool_use/tool_result turns', async () => {
    await openai.chat.completions.create({
      model: 'sonnet',
      messages: [
        { role: 'user', content: 'weather?' },
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Lima"}' } }] },
        { role: 'tool', tool_call_id: 'call_1', content: 'sunny' },
        { role: 'user', content: 'marker-openai-tools thanks' },
      ],
    });
    const [request] = proxy.upstream.modelRequests('marker-openai-tools');
    expect(withoutCliAdditions(request!.body.messages)).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'weather?' }] },
      { role: 'assistant', content: [{ type: 'tool_use', id: 'call_1', name: 'get_weather', input: { city: 'Lima' } }] },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'call_1', content: 'sunny' },
          { type: 'text', text: 'marker-openai-tools thanks' },
        ],
      },
    ]);
  });

  it("never passes the client's metadata.user_id or user upstream", async () => {
    await anthropic.messages.create({
      model: 'sonnet',
      max_tokens: 10,
      metadata: { user_id: 'client-user-5b1e' },
      messages: [{ role: 'user', content: 'marker-user-id' }],
    });
    await openai.chat.completions.create({ model: 'sonnet', user: 'openai-user-77aa', messages: [{ role: 'user', content: 'marker-user-field' }] });
    for (const marker of ['marker-user-id', 'marker-user-field']) {
      const [request] = proxy.upstream.modelRequests(marker);
      expect(JSON.stringify(request!.body)).not.toMatch(/client-user-5b1e|openai-user-77aa/);
    }
  });
});

describe('stop sequences', () => {
  const longReply = () =>
    textReply('x', { chunks: ['The answer is ', '42', '.', ' END', ' and then more', ...Array.from({ length: 40 }, () => ' more')], eventGapMs: 30 });

  it('cuts the text at the first stop sequence, reports it, and stops the CLI at once (Anthropic)', async () => {
    proxy.upstream.when('marker-stop-anthropic', longReply());
    const stream = anthropic.messages.stream({
      model: 'sonnet',
      max_tokens: 100,
      stop_sequences: ['END', 'never'],
      messages: [{ role: 'user', content: 'marker-stop-anthropic' }],
    });
    const message = await stream.finalMessage();
    expect(message.content).toEqual([{ type: 'text', text: 'The answer is 42. ' }]);
    expect(message.stop_reason).toBe('stop_sequence');
    expect(message.stop_sequence).toBe('END');
    const [request] = proxy.upstream.modelRequests('marker-stop-anthropic');
    await expect.poll(() => request!.abandoned).toBe(true);
  });

  it('cuts at a stop sequence with finish_reason stop (OpenAI, non-streaming)', async () => {
    proxy.upstream.when('marker-stop-openai', longReply());
    const completion = await openai.chat.completions.create({ model: 'sonnet', stop: 'END', messages: [{ role: 'user', content: 'marker-stop-openai' }] });
    expect(completion.choices[0]).toMatchObject({ message: { content: 'The answer is 42. ' }, finish_reason: 'stop' });
  });
});

describe('structured output', () => {
  const schema = { type: 'object', properties: { name: { type: 'string' }, age: { type: 'integer' } }, required: ['name', 'age'], additionalProperties: false };
  const structuredReply = {
    kind: 'message' as const,
    content: [{ type: 'tool_use' as const, id: 'toolu_so', name: 'StructuredOutput', input: { name: 'Bob', age: 7 } }],
  };

  it('answers output_config.format with the JSON as text content, from one upstream call (Anthropic)', async () => {
    proxy.upstream.when('marker-structured-anthropic', structuredReply);
    const message = await anthropic.messages.create({
      model: 'sonnet',
      max_tokens: 200,
      output_config: { format: { type: 'json_schema', schema } },
      messages: [{ role: 'user', content: 'marker-structured-anthropic a person' }],
    });
    expect(message.content).toEqual([{ type: 'text', text: '{"name":"Bob","age":7}' }]);
    expect(message.stop_reason).toBe('end_turn');
    const requests = proxy.upstream.modelRequests('marker-structured-anthropic');
    expect(requests).toHaveLength(1);
    // The schema reaches the model unchanged, as the input schema of the CLI's StructuredOutput tool.
    expect(requests[0]!.body.tools).toEqual([expect.objectContaining({ name: 'StructuredOutput', input_schema: schema })]);
  });

  it('answers response_format json_schema with JSON content, streamed, with finish_reason stop (OpenAI)', async () => {
    proxy.upstream.when('marker-structured-openai', structuredReply);
    const completion = await openai.chat.completions
      .stream({
        model: 'sonnet',
        response_format: { type: 'json_schema', json_schema: { name: 'person', schema, strict: true } },
        messages: [{ role: 'user', content: 'marker-structured-openai a person' }],
      })
      .finalChatCompletion();
    expect(completion.choices[0]!.finish_reason).toBe('stop');
    expect(JSON.parse(completion.choices[0]!.message.content!)).toEqual({ name: 'Bob', age: 7 });
    expect(completion.choices[0]!.message.tool_calls ?? []).toEqual([]);
    expect(proxy.upstream.modelRequests('marker-structured-openai')).toHaveLength(1);
  });

  it('treats response_format json_object as a schema of any object', async () => {
    proxy.upstream.when('marker-json-object', structuredReply);
    const completion = await openai.chat.completions.create({
      model: 'sonnet',
      response_format: { type: 'json_object' },
      messages: [{ role: 'user', content: 'marker-json-object answer in JSON' }],
    });
    expect(JSON.parse(completion.choices[0]!.message.content!)).toEqual({ name: 'Bob', age: 7 });
    const [request] = proxy.upstream.modelRequests('marker-json-object');
    expect(request!.body.tools[0].input_schema).toEqual({ type: 'object' });
  });
});

describe('thinking and effort settings reach upstream as asked', () => {
  const upstreamSettings = (marker: string) => {
    const [request] = proxy.upstream.modelRequests(marker);
    return { thinking: request!.body.thinking, effort: request!.body.output_config?.effort };
  };

  it('sends no thinking field when the client did not ask for thinking, as the client sent it (newer models ignore --thinking disabled)', async () => {
    await anthropic.messages.create({ model: 'sonnet', max_tokens: 100, messages: [{ role: 'user', content: 'marker-thinking-none' }] });
    await openai.chat.completions.create({ model: 'haiku', messages: [{ role: 'user', content: 'marker-thinking-none-openai' }] });
    await anthropic.messages.create({
      model: 'claude-sonnet-4-6',
      max_tokens: 100,
      thinking: { type: 'disabled' },
      messages: [{ role: 'user', content: 'marker-thinking-off' }],
    });
    expect(upstreamSettings('marker-thinking-none').thinking).toBeUndefined();
    expect(upstreamSettings('marker-thinking-none-openai').thinking).toBeUndefined();
    expect(upstreamSettings('marker-thinking-off').thinking).toBeUndefined();
  });

  it('sends an enabled budget on a budget-thinking model, and adaptive thinking with the effort asked', async () => {
    await anthropic.messages.create({
      // A budget-thinking model on every CLI of the range (the alias haiku names an adaptive-only model from 2.1.332 on).
      model: 'claude-haiku-4-5-20251001',
      max_tokens: 4000,
      thinking: { type: 'enabled', budget_tokens: 2048 },
      messages: [{ role: 'user', content: 'marker-thinking-budget' }],
    });
    await anthropic.messages.create({
      model: 'sonnet',
      max_tokens: 4000,
      thinking: { type: 'adaptive' },
      output_config: { effort: 'medium' },
      messages: [{ role: 'user', content: 'marker-thinking-adaptive' }],
    });
    await openai.chat.completions.create({ model: 'sonnet', reasoning_effort: 'low', messages: [{ role: 'user', content: 'marker-thinking-openai' }] });
    expect(upstreamSettings('marker-thinking-budget').thinking).toEqual({ type: 'enabled', budget_tokens: 2048 });
    expect(upstreamSettings('marker-thinking-adaptive')).toEqual({ thinking: { type: 'adaptive' }, effort: 'medium' });
    expect(upstreamSettings('marker-thinking-openai')).toEqual({ thinking: { type: 'adaptive' }, effort: 'low' });
  });
});

describe('image sizes (a CLI limit, documented in docs/limits.md)', () => {
  it('passes an image up to 500 KB through byte for byte, and the CLI re-encodes a larger one as JPEG', async () => {
    const small = noisePng(360, 360); // ~390 KB raw
    const large = noisePng(700, 500); // ~1 MB raw
    for (const [marker, data] of [
      ['marker-image-small', small],
      ['marker-image-large', large],
    ] as const) {
      await anthropic.messages.create({
        model: 'sonnet',
        max_tokens: 10,
        messages: [
          {
            role: 'user',
            content: [
              { type: 'image', source: { type: 'base64', media_type: 'image/png', data } },
              { type: 'text', text: marker },
            ],
          },
        ],
      });
    }
    const image = (marker: string) =>
      proxy.upstream.modelRequests(marker)[0]!.body.messages[0].content.find((block: { type: string }) => block.type === 'image').source;
    expect(image('marker-image-small')).toEqual({ type: 'base64', media_type: 'image/png', data: small });
    expect(image('marker-image-large').media_type).toBe('image/jpeg');
    expect(Buffer.from(image('marker-image-large').data, 'base64').length).toBeLessThanOrEqual(512_000);
  });
});

/** A PNG of random pixels (incompressible), base64. */
function noisePng(width: number, height: number): string {
  const rows = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y += 1) randomBytes(width * 3).copy(rows, y * (width * 3 + 1) + 1);
  const chunk = (type: string, data: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // RGB
  return Buffer.concat([
    Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(rows)),
    chunk('IEND', Buffer.alloc(0)),
  ]).toString('base64');
}

function crc32(bytes: Buffer): number {
  let crc = ~0;
  for (const byte of bytes) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit += 1) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return ~crc >>> 0;
}
