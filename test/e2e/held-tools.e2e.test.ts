/**
 * Held tool calls (ADR 0017): a turn that ends in calls of the client's tools leaves its CLI waiting on them; the
 * client's next request, that conversation plus the calls' results, is served by answering the waiting calls. The
 * upstream sees one request per turn with the client's results in it; anything else falls back to a fresh process.
 */
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { busyCliProcesses, cliProcessesWithHome } from '../support/cli-processes.ts';
import { textReply, withoutCliAdditions, withToolResultsAsBlocks, type FakeBlock } from '../support/fake-upstream.ts';
import { startTestProxy, type TestProxy } from '../support/start-test-proxy.ts';

let proxy: TestProxy;
let anthropic: Anthropic;

beforeAll(async () => {
  proxy = await startTestProxy({ settings: { AFFINITY_SIZE: '3' } });
  anthropic = new Anthropic({ baseURL: proxy.url, apiKey: 'x', maxRetries: 0 });
});
afterAll(async () => proxy.close());

const lookup: Anthropic.Tool = {
  name: 'lookup',
  description: 'Looks a word up',
  input_schema: { type: 'object', properties: { word: { type: 'string' } }, required: ['word'] },
};

function call(id: string, word: string): FakeBlock {
  return { type: 'tool_use', id, name: 'mcp__t__lookup', input: { word } };
}

function results(...pairs: Array<[id: string, content: Anthropic.ToolResultBlockParam['content'], isError?: boolean]>): Anthropic.MessageParam {
  return {
    role: 'user',
    content: pairs.map(([id, content, isError]) => ({ type: 'tool_result', tool_use_id: id, content, ...(isError != null ? { is_error: isError } : {}) })),
  };
}

async function settled(): Promise<void> {
  await expect.poll(() => busyCliProcesses(proxy)).toEqual([]);
}

async function health(): Promise<Record<string, number>> {
  return ((await (await fetch(`${proxy.url}/health`)).json()) as { pool: Record<string, number> }).pool;
}

/** The process a turn left waiting on its calls: the one parked since `before`. */
function heldSince(before: readonly number[]): number {
  const added = proxy.runner.keptPids().filter((pid) => !before.includes(pid));
  expect(added).toHaveLength(1);
  return added[0]!;
}

/** One turn of the loop, and the report the proxy wrote for it. */
async function turn(messages: Anthropic.MessageParam[], stream = false) {
  const before = proxy.reports.length;
  const request = { model: 'sonnet', max_tokens: 500, tools: [lookup], messages };
  const message = stream ? await anthropic.messages.stream(request).finalMessage() : await anthropic.messages.create(request);
  await expect.poll(() => proxy.reports.length).toBeGreaterThan(before);
  await settled();
  return { message, report: proxy.reports[before]! };
}

describe('held tool calls', () => {
  it('serves every turn of a tool loop after the first on the process that made the calls, one upstream request each', async () => {
    await settled();
    const steps = 5;
    for (let step = 1; step < steps; step += 1)
      proxy.upstream.when(`held-loop-result-${step}`, { kind: 'message', content: [call(`toolu_hl${step + 1}`, `w${step + 1}`)] });
    proxy.upstream.when('marker-held-loop', { kind: 'message', content: [{ type: 'text', text: 'Looking up.' }, call('toolu_hl1', 'w1')] });
    proxy.upstream.when(`held-loop-result-${steps}`, textReply('All looked up.'));
    const heldBefore = (await health()).affinity_held_continued!;

    const messages: Anthropic.MessageParam[] = [{ role: 'user', content: 'marker-held-loop look up five words' }];
    const kinds: Array<string | undefined> = [];
    const pids = new Set<number>();
    for (let step = 1; step <= steps; step += 1) {
      const { message, report } = await turn(messages, step % 2 === 0);
      kinds.push(report.processKind);
      expect(message.stop_reason).toBe('tool_use');
      for (const pid of proxy.runner.keptPids()) pids.add(pid);
      const toolUse = message.content.find((block) => block.type === 'tool_use')!;
      expect(toolUse).toMatchObject({ name: 'lookup', id: `toolu_hl${step}` });
      messages.push({ role: 'assistant', content: message.content }, results([toolUse.id, `held-loop-result-${step}: meaning ${step}`]));
    }
    const last = await turn(messages);
    kinds.push(last.report.processKind);
    expect(last.message.content).toEqual([{ type: 'text', text: 'All looked up.' }]);

    // Turns 2..6 were served by the held process; the upstream saw exactly one request per turn.
    expect(kinds.slice(1)).toEqual(['held', 'held', 'held', 'held', 'held']);
    expect(pids.size).toBe(1);
    expect((await health()).affinity_held_continued).toBe(heldBefore + steps);
    expect(proxy.upstream.modelRequests('marker-held-loop')).toHaveLength(1);
    for (let step = 1; step <= steps; step += 1) expect(proxy.upstream.modelRequests(`held-loop-result-${step}`)).toHaveLength(1);

    // The model saw the client's conversation: its calls under the names it knows, the client's results in them.
    const final = proxy.upstream.modelRequests(`held-loop-result-${steps}`)[0]!.body;
    const clientView = messages.map((message) => ({
      role: message.role,
      content:
        typeof message.content === 'string'
          ? [{ type: 'text', text: message.content }]
          : message.content.map((block) => (block.type === 'tool_use' ? { ...block, name: `mcp__t__${block.name}` } : block)),
    }));
    expect(withToolResultsAsBlocks(withoutCliAdditions(final.messages))).toEqual(withToolResultsAsBlocks(clientView));
    // After the final answer the process is kept for the next user message (conversation affinity).
    expect(proxy.runner.keptPids()).toEqual([...pids]);
  });

  it('answers parallel calls in their order, with text and image results, on the held process', async () => {
    await settled();
    const pixel = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';
    proxy.upstream.when('marker-held-parallel', { kind: 'message', content: [call('toolu_hp1', 'a'), call('toolu_hp2', 'b'), call('toolu_hp3', 'c')] });
    proxy.upstream.when('held-parallel-c', textReply('Three results.'));
    const messages: Anthropic.MessageParam[] = [{ role: 'user', content: 'marker-held-parallel three at once' }];
    const first = await turn(messages, true);
    messages.push(
      { role: 'assistant', content: first.message.content },
      results(
        ['toolu_hp1', 'held-parallel-a'],
        [
          'toolu_hp2',
          [
            { type: 'text', text: 'held-parallel-b' },
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: pixel } },
          ],
        ],
        ['toolu_hp3', 'held-parallel-c: not found', true],
      ),
    );
    const second = await turn(messages);
    expect(second.report.processKind).toBe('held');
    expect(second.message.content).toEqual([{ type: 'text', text: 'Three results.' }]);
    const [upstream] = proxy.upstream.modelRequests('held-parallel-c');
    expect(proxy.upstream.modelRequests('held-parallel-c')).toHaveLength(1);
    expect(withoutCliAdditions(upstream!.body.messages).at(-1)).toEqual({
      role: 'user',
      content: [
        { type: 'tool_result', tool_use_id: 'toolu_hp1', content: [{ type: 'text', text: 'held-parallel-a' }] },
        {
          type: 'tool_result',
          tool_use_id: 'toolu_hp2',
          content: [
            { type: 'text', text: 'held-parallel-b' },
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: pixel } },
          ],
        },
        { type: 'tool_result', tool_use_id: 'toolu_hp3', content: 'held-parallel-c: not found', is_error: true },
      ],
    });
  });

  it('continues an OpenAI Chat Completions tool loop (tool messages) on the held process', async () => {
    await settled();
    const openai = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: 'x', maxRetries: 0 });
    proxy.upstream.when('marker-held-chat', { kind: 'message', content: [call('toolu_hc1', 'x')] });
    proxy.upstream.when('held-chat-result', textReply('Done.'));
    const tools: OpenAI.ChatCompletionTool[] = [{ type: 'function', function: { name: 'lookup', parameters: lookup.input_schema as Record<string, unknown> } }];
    const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: 'marker-held-chat go' }];
    const first = await openai.chat.completions.create({ model: 'sonnet', tools, messages });
    await settled();
    messages.push(first.choices[0]!.message as OpenAI.ChatCompletionMessageParam, { role: 'tool', tool_call_id: 'toolu_hc1', content: 'held-chat-result' });
    const before = proxy.reports.length;
    const second = await openai.chat.completions.create({ model: 'sonnet', tools, messages });
    expect(second.choices[0]!.message.content).toBe('Done.');
    await expect.poll(() => proxy.reports.length).toBeGreaterThan(before);
    expect(proxy.reports[before]!.processKind).toBe('held');
    expect(proxy.upstream.modelRequests('held-chat-result')).toHaveLength(1);
  });

  it('falls back to a fresh process, and ends the held one, when the history was edited or the results differ', async () => {
    await settled();
    proxy.upstream.when('marker-held-edit', { kind: 'message', content: [{ type: 'text', text: 'Calling.' }, call('toolu_he1', 'q')] });
    proxy.upstream.when('held-edit-result', textReply('Answered.'));
    const base: Anthropic.MessageParam[] = [{ role: 'user', content: 'marker-held-edit go' }];
    const cases: Array<(content: Anthropic.ContentBlockParam[]) => Anthropic.MessageParam[]> = [
      // The assistant's text edited.
      (content) => [
        ...base,
        { role: 'assistant', content: content.map((block) => (block.type === 'text' ? { ...block, text: 'Edited.' } : block)) },
        results(['toolu_he1', 'held-edit-result']),
      ],
      // Text beside the result.
      (content) => [
        ...base,
        { role: 'assistant', content },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'toolu_he1', content: 'held-edit-result' },
            { type: 'text', text: 'and hurry' },
          ],
        },
      ],
      // A blank part, which the CLI would drop or replace with its own text.
      (content) => [
        ...base,
        { role: 'assistant', content },
        results([
          'toolu_he1',
          [
            { type: 'text', text: 'held-edit-result' },
            { type: 'text', text: ' ' },
          ],
        ]),
      ],
    ];
    for (const messagesOf of cases) {
      const before = proxy.runner.keptPids();
      const first = await turn(base);
      const held = heldSince(before);
      expect(proxy.runner.stats().affinity.held).toBe(1);
      const upstreamBefore = proxy.upstream.modelRequests('held-edit-result').length;
      const second = await turn(messagesOf(first.message.content as Anthropic.ContentBlockParam[]));
      expect(second.report.processKind).not.toBe('held');
      expect(second.message.content).toEqual([{ type: 'text', text: 'Answered.' }]);
      // The fresh process replayed the client's history as sent; the held process is gone.
      const [request] = proxy.upstream.modelRequests('held-edit-result').slice(upstreamBefore);
      expect(request!.body.messages.length).toBe(messagesOf(first.message.content as Anthropic.ContentBlockParam[]).length);
      await expect.poll(() => cliProcessesWithHome(proxy.home)).not.toContain(held);
      expect(proxy.runner.stats().affinity.held).toBe(0);
    }
  });

  it('ends the held process when the client disconnects during the continued turn, and leaves no process', async () => {
    await settled();
    proxy.upstream.when('marker-held-abort', { kind: 'message', content: [call('toolu_ha1', 'z')] });
    proxy.upstream.when('held-abort-result', { kind: 'hang' });
    const messages: Anthropic.MessageParam[] = [{ role: 'user', content: 'marker-held-abort go' }];
    const kept = proxy.runner.keptPids();
    const first = await turn(messages);
    const held = heldSince(kept);
    messages.push({ role: 'assistant', content: first.message.content }, results(['toolu_ha1', 'held-abort-result']));
    const controller = new AbortController();
    const before = proxy.reports.length;
    const pending = anthropic.messages.create({ model: 'sonnet', max_tokens: 500, tools: [lookup], messages }, { signal: controller.signal });
    // The continued turn reached the upstream (the held call was answered), then the client goes away.
    await expect.poll(() => proxy.upstream.modelRequests('held-abort-result').length).toBe(1);
    controller.abort();
    await expect(pending).rejects.toThrow();
    await expect.poll(() => proxy.reports.length).toBeGreaterThan(before);
    expect(proxy.reports[before]).toMatchObject({ processKind: 'held' });
    await expect.poll(() => cliProcessesWithHome(proxy.home)).not.toContain(held);
    await settled();
    expect(proxy.runner.keptPids()).not.toContain(held);
  });

  // A race the proxy wins by killing the CLI as the stop reason's line is read (ADR 0017): the CLI asks again about
  // 28 ms later. On a CI machine running every e2e project at once the test process itself (proxy, fake upstream and
  // runner share its event loop) has lost it twice in a dozen runs; a retry tells that load apart from a proxy that
  // no longer stops the CLI, which fails every attempt.
  it('sends one upstream request for an answer cut by max_tokens: the CLI, free to ask again with tools, is stopped first', { retry: 2 }, async () => {
    await settled();
    proxy.upstream.when('marker-held-max-tokens', textReply('Cut sh', { stopReason: 'max_tokens' }));
    const { message } = await turn([{ role: 'user', content: 'marker-held-max-tokens write a lot' }]);
    expect(message.stop_reason).toBe('max_tokens');
    // The process is gone: a CLI left running would have sent "Output token limit hit. Resume directly" by now.
    expect(proxy.upstream.modelRequests('marker-held-max-tokens')).toHaveLength(1);
    expect(proxy.upstream.modelRequests('Output token limit hit')).toHaveLength(0);
  });

  it('ends a held process the client never comes back to after AFFINITY_IDLE_MS: no process left', async () => {
    const small = await startTestProxy({ settings: { AFFINITY_SIZE: '1', AFFINITY_IDLE_MS: '3000', WARM_POOL_SIZE: '0' } });
    try {
      small.upstream.when('marker-held-idle', { kind: 'message', content: [call('toolu_hi1', 'y')] });
      const client = new Anthropic({ baseURL: small.url, apiKey: 'x', maxRetries: 0 });
      const message = await client.messages.create({
        model: 'sonnet',
        max_tokens: 100,
        tools: [lookup],
        messages: [{ role: 'user', content: 'marker-held-idle' }],
      });
      expect(message.stop_reason).toBe('tool_use');
      await expect.poll(() => small.runner.stats().affinity.held).toBe(1);
      await expect.poll(() => cliProcessesWithHome(small.home), { timeout: 15_000 }).toEqual([]);
      expect(small.runner.stats().affinity.held).toBe(0);
      // The call was never run: the upstream was asked once.
      expect(small.upstream.modelRequests()).toHaveLength(1);
    } finally {
      await small.close();
    }
  });
});
