/**
 * Conversation affinity: after a clean turn the CLI process is kept; the conversation's next request (its history
 * plus one new user message) goes to that process, which is sent only the new message. The upstream must see
 * exactly what a fresh process would have sent.
 */
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { busyCliProcesses, cliProcessesWithHome } from '../support/cli-processes.ts';
import { textReply, type RecordedRequest } from '../support/fake-upstream.ts';
import { startTestProxy, type TestProxy } from '../support/start-test-proxy.ts';

let proxy: TestProxy;
let anthropic: Anthropic;

beforeAll(async () => {
  proxy = await startTestProxy({ settings: { AFFINITY_SIZE: '2' } });
  anthropic = new Anthropic({ baseURL: proxy.url, apiKey: 'x', maxRetries: 0 });
});
afterAll(async () => proxy.close());

/** What the model saw; `metadata` names the CLI's session, which differs between processes by design. */
function modelInput(request: RecordedRequest): unknown {
  const { metadata: _session, ...rest } = request.body as Record<string, unknown>;
  return rest;
}

/** Every process of an earlier turn is kept or ended: the kept set no longer changes on its own. */
async function settled(): Promise<void> {
  await expect.poll(() => busyCliProcesses(proxy)).toEqual([]);
}

async function keptAfter<T>(turn: () => Promise<T>, before: readonly number[]): Promise<{ result: T; pid: number }> {
  const result = await turn();
  await settled();
  await expect.poll(() => proxy.runner.keptPids().filter((pid) => !before.includes(pid))).toHaveLength(1);
  return { result, pid: proxy.runner.keptPids().find((pid) => !before.includes(pid))! };
}

describe('conversation affinity', () => {
  it('continues on the process that holds the conversation, and the model sees what a fresh process would send', async () => {
    await settled();
    proxy.upstream.when('marker-aff-one', {
      kind: 'message',
      content: [
        { type: 'thinking', thinking: 'Short answer.', signature: 'sig-1' },
        { type: 'text', text: 'First answer.' },
      ],
    });
    proxy.upstream.when('marker-aff-two', textReply('Second answer.'));
    const base = { model: 'sonnet', max_tokens: 2000, system: 'Be brief.', thinking: { type: 'enabled', budget_tokens: 1024 } } as const;
    const history: Anthropic.MessageParam[] = [{ role: 'user', content: 'marker-aff-one hello' }];

    const { result: first, pid } = await keptAfter(() => anthropic.messages.create({ ...base, messages: history }), proxy.runner.keptPids());
    history.push({ role: 'assistant', content: first.content }, { role: 'user', content: 'marker-aff-two and then?' });

    // The kept process serves the next turn and is kept again, now holding the longer conversation.
    const continuedBefore = proxy.runner.stats().affinity.continued;
    const second = await anthropic.messages.create({ ...base, messages: history });
    expect(second.content).toMatchObject([{ type: 'text', text: 'Second answer.' }]);
    expect(proxy.runner.stats().affinity.continued).toBe(continuedBefore + 1);
    await expect.poll(() => proxy.runner.keptPids()).toContain(pid);

    // The same request again is not a continuation of anything kept: a fresh process replays the history.
    await anthropic.messages.create({ ...base, messages: history });
    expect(proxy.runner.stats().affinity.continued).toBe(continuedBefore + 1);
    // The turn reports say the same: the second turn was served by the kept process, the third was not.
    await expect.poll(() => proxy.reports.length).toBeGreaterThanOrEqual(3);
    const [, secondReport, thirdReport] = proxy.reports.slice(-3);
    expect(secondReport).toMatchObject({ processKind: 'kept', outcome: 'completed' });
    expect(thirdReport!.processKind).not.toBe('kept');
    const [continued, fresh] = proxy.upstream.modelRequests('marker-aff-two');
    expect(continued!.body.messages).toHaveLength(3);
    expect(continued!.body.messages[1].content).toMatchObject([
      { type: 'thinking', signature: 'sig-1' },
      { type: 'text', text: 'First answer.' },
    ]);
    expect(modelInput(continued!)).toEqual(modelInput(fresh!));
  });

  it('continues an OpenAI Chat Completions conversation sent back as plain strings', async () => {
    const openai = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: 'x', maxRetries: 0 });
    proxy.upstream.when('marker-aff-chat-1', textReply('One.'));
    proxy.upstream.when('marker-aff-chat-2', textReply('Two.'));
    proxy.upstream.when('marker-aff-chat-3', textReply('Three.'));
    const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'system', content: 'Count.' }];
    const continuedBefore = proxy.runner.stats().affinity.continued;
    const keptAfterStep: number[][] = [];
    for (const step of [1, 2, 3]) {
      messages.push({ role: 'user', content: `marker-aff-chat-${step}` });
      const completion = await openai.chat.completions.create({ model: 'sonnet', messages });
      messages.push({ role: 'assistant', content: completion.choices[0]!.message.content });
      await settled();
      keptAfterStep.push(proxy.runner.keptPids().sort());
    }
    // Steps 2 and 3 ran on the process kept after step 1, which is kept again each time.
    expect(keptAfterStep[1]).toEqual(keptAfterStep[0]);
    expect(keptAfterStep[2]).toEqual(keptAfterStep[0]);
    expect(proxy.runner.stats().affinity.continued).toBe(continuedBefore + 2);
    const third = proxy.upstream.modelRequests('marker-aff-chat-3')[0]!;
    expect(third.body.messages.map((message: { role: string }) => message.role)).toEqual(['user', 'assistant', 'user', 'assistant', 'user']);
    expect(third.body.messages[3].content).toEqual([{ type: 'text', text: 'Two.' }]);
  });

  it('serves a regenerate and an edited last message on the kept process, cut back by one exchange (rewind)', async () => {
    await settled();
    proxy.upstream.when('marker-aff-rw-1', textReply('First.'));
    proxy.upstream.when('marker-aff-rw-2', textReply('Second.'));
    proxy.upstream.when('marker-aff-rw-edited', textReply('Edited answer.'));
    const base = { model: 'sonnet', max_tokens: 200, system: 'Be brief.' } as const;
    const first: Anthropic.MessageParam[] = [{ role: 'user', content: 'marker-aff-rw-1 hello' }];
    const one = await anthropic.messages.create({ ...base, messages: first });
    await settled();
    const second: Anthropic.MessageParam[] = [...first, { role: 'assistant', content: one.content }, { role: 'user', content: 'marker-aff-rw-2 and?' }];
    await anthropic.messages.create({ ...base, messages: second });
    await settled();
    const rewoundBefore = proxy.runner.stats().affinity.rewound;
    const reportsBefore = proxy.reports.length;

    // Regenerate: the same request again. The kept process holds it plus its answer: cut back, asked again.
    const again = await anthropic.messages.create({ ...base, messages: second });
    expect(again.content).toMatchObject([{ type: 'text', text: 'Second.' }]);
    await settled();
    // Edit: the last message changed.
    const edited = await anthropic.messages.create({ ...base, messages: [...second.slice(0, -1), { role: 'user', content: 'marker-aff-rw-edited or?' }] });
    expect(edited.content).toMatchObject([{ type: 'text', text: 'Edited answer.' }]);

    await expect.poll(() => proxy.reports.length).toBeGreaterThanOrEqual(reportsBefore + 2);
    expect(proxy.reports.slice(reportsBefore).map((report) => report.processKind)).toEqual(['rewound', 'rewound']);
    expect(proxy.runner.stats().affinity.rewound).toBe(rewoundBefore + 2);
    // The model saw what a fresh process sends for that conversation: the original second turn's request, and the edit.
    const [original, regenerated] = proxy.upstream.modelRequests('marker-aff-rw-2');
    expect(modelInput(regenerated!)).toEqual(modelInput(original!));
    const [edit] = proxy.upstream.modelRequests('marker-aff-rw-edited');
    expect(edit!.body.messages.map((message: { role: string }) => message.role)).toEqual(['user', 'assistant', 'user']);
    expect(edit!.body.messages[2].content).toMatchObject([{ type: 'text', text: 'marker-aff-rw-edited or?' }]);
  });

  it('uses a fresh process when the history differs from what the kept process holds', async () => {
    await settled();
    proxy.upstream.when('marker-aff-edit-1', textReply('Original answer.'));
    proxy.upstream.when('marker-aff-edit-2', textReply('ok'));
    const messages: Anthropic.MessageParam[] = [{ role: 'user', content: 'marker-aff-edit-1' }];
    const { pid } = await keptAfter(() => anthropic.messages.create({ model: 'sonnet', max_tokens: 100, messages }), proxy.runner.keptPids());
    const continuedBefore = proxy.runner.stats().affinity.continued;
    await anthropic.messages.create({
      model: 'sonnet',
      max_tokens: 100,
      messages: [...messages, { role: 'assistant', content: 'Edited answer.' }, { role: 'user', content: 'marker-aff-edit-2' }],
    });
    const [request] = proxy.upstream.modelRequests('marker-aff-edit-2');
    expect(proxy.runner.stats().affinity.continued).toBe(continuedBefore);
    expect(request!.body.messages[1].content).toEqual([{ type: 'text', text: 'Edited answer.' }]);
    // The kept process was not used: it still waits with the original conversation.
    expect(proxy.runner.keptPids()).toContain(pid);
  });

  it('holds the process of a turn that ends in a tool call on its calls (held tool calls), and on nothing else', async () => {
    await settled();
    const before = proxy.runner.keptPids();
    const heldBefore = proxy.runner.stats().affinity.held;
    proxy.upstream.when('marker-aff-tool', {
      kind: 'message',
      content: [{ type: 'tool_use', id: 'toolu_aff', name: 'mcp__t__lookup', input: { q: 'x' } }],
      stopReason: 'tool_use',
    });
    const message = await anthropic.messages.create({
      model: 'sonnet',
      max_tokens: 100,
      tools: [{ name: 'lookup', input_schema: { type: 'object', properties: { q: { type: 'string' } } } }],
      messages: [{ role: 'user', content: 'marker-aff-tool' }],
    });
    expect(message.stop_reason).toBe('tool_use');
    await expect.poll(() => busyCliProcesses(proxy)).toEqual([]);
    expect(proxy.runner.keptPids().filter((pid) => !before.includes(pid))).toHaveLength(1);
    expect(proxy.runner.stats().affinity.held).toBe(heldBefore + 1);
    // A new user message instead of the call's result is not what the process waits for: a fresh process serves it.
    const continuedBefore = proxy.runner.stats().affinity;
    await anthropic.messages.create({
      model: 'sonnet',
      max_tokens: 100,
      tools: [{ name: 'lookup', input_schema: { type: 'object', properties: { q: { type: 'string' } } } }],
      messages: [
        { role: 'user', content: 'marker-aff-tool' },
        { role: 'assistant', content: message.content },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'toolu_aff', content: 'r' },
            { type: 'text', text: 'never mind' },
          ],
        },
      ],
    });
    expect(proxy.runner.stats().affinity).toMatchObject({ continued: continuedBefore.continued, heldContinued: continuedBefore.heldContinued });
    await expect.poll(() => proxy.runner.stats().affinity.held).toBe(heldBefore);
  });

  it('ends a kept process after AFFINITY_IDLE_MS and keeps at most AFFINITY_SIZE', async () => {
    // Idle time long enough that the first process cannot expire before the second turn (a cold start on a loaded
    // machine) is parked and replaces it.
    const small = await startTestProxy({ settings: { AFFINITY_SIZE: '1', AFFINITY_IDLE_MS: '5000', WARM_POOL_SIZE: '0' } });
    try {
      const client = new Anthropic({ baseURL: small.url, apiKey: 'x', maxRetries: 0 });
      await client.messages.create({ model: 'sonnet', max_tokens: 100, messages: [{ role: 'user', content: 'conversation one' }] });
      await expect.poll(() => small.runner.keptPids()).toHaveLength(1);
      const [first] = small.runner.keptPids();
      await client.messages.create({ model: 'sonnet', max_tokens: 100, messages: [{ role: 'user', content: 'conversation two' }] });
      // The second conversation's process replaces the first, which is ended.
      await expect.poll(() => small.runner.keptPids().length === 1 && !small.runner.keptPids().includes(first!)).toBe(true);
      await expect.poll(() => cliProcessesWithHome(small.home)).not.toContain(first);
      const health = (await (await fetch(`${small.url}/health`)).json()) as { pool: Record<string, number> };
      expect(health.pool).toMatchObject({ affinity_size: 1, affinity_kept: 1 });
      // Idle for longer than AFFINITY_IDLE_MS: ended, nothing left.
      await expect.poll(() => cliProcessesWithHome(small.home), { timeout: 15_000 }).toEqual([]);
      expect(small.runner.keptPids()).toEqual([]);
    } finally {
      await small.close();
    }
  });
});
