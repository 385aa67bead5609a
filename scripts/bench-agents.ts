/**
 * The agent workloads of `npm run bench` (issue 14): what coding agents send, through a proxy with default settings,
 * against the raw cold CLI of the same run. Each figure is request sent → whole answer received (non-streaming).
 */
import type { FakeUpstream, RecordedRequest } from '../test/support/fake-upstream.ts';

export interface AgentBenchContext {
  upstream: FakeUpstream;
  port: number;
  /** Median of the raw cold CLI given the same tool, spawn → message_stop, measured in the same run. */
  rawColdMs: number;
  /** Waits until no turn runs and the pool is refilled. */
  quiet: (port: number) => Promise<void>;
  median: (values: number[]) => number;
  percentile: (values: number[], p: number) => number;
  cliRss: () => { count: number; rss: number };
}

const TOOLS = [
  {
    name: 'read_file',
    description: 'Reads a file of the workspace',
    input_schema: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] },
  },
];
const LOOP_TURNS = 12;

/** The fake model of the loop: a call per turn until the last, which answers in text. */
function loopReply(request: RecordedRequest) {
  const messages = request.body.messages as Array<{ content: unknown }>;
  const last = JSON.stringify(messages.at(-1)?.content ?? '');
  const step = Number(/step=(\d+)/.exec(last)?.[1] ?? 0);
  const loop = /loop=(\d+)/.exec(JSON.stringify(messages[0]?.content ?? ''))?.[1] ?? '0';
  if (step + 1 >= LOOP_TURNS) return { kind: 'message' as const, content: [{ type: 'text' as const, text: 'All files read.' }] };
  return {
    kind: 'message' as const,
    content: [{ type: 'tool_use' as const, id: `toolu_bench_${loop}_${step + 1}`, name: 'mcp__t__read_file', input: { path: `src/file-${step + 1}.ts` } }],
  };
}

async function post(port: number, body: object): Promise<{ ms: number; message: { content: Array<Record<string, unknown>>; stop_reason: string } }> {
  const started = performance.now();
  const response = await fetch(`http://127.0.0.1:${port}/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'sonnet', max_tokens: 1024, ...body }),
  });
  const message = (await response.json()) as { content: Array<Record<string, unknown>>; stop_reason: string };
  if (response.status !== 200) throw new Error(`status ${response.status}: ${JSON.stringify(message)}`);
  return { ms: performance.now() - started, message };
}

async function health(port: number): Promise<Record<string, number>> {
  return ((await (await fetch(`http://127.0.0.1:${port}/health`)).json()) as { pool: Record<string, number> }).pool;
}

/** Seven new conversations with tools back to back, then eight at once. */
export async function newConversations(context: Pick<AgentBenchContext, 'quiet'>, port: number): Promise<{ backToBack: number[]; burst: number[] }> {
  console.log('Seven new conversations with tools, back to back...');
  await context.quiet(port);
  const backToBack: number[] = [];
  for (let index = 0; index < 7; index += 1) {
    backToBack.push((await post(port, { tools: TOOLS, messages: [{ role: 'user', content: `new conversation ${index}: hello` }] })).ms);
  }
  console.log('A burst of eight new conversations at once...');
  await context.quiet(port);
  const burst = await Promise.all(
    Array.from({ length: 8 }, async (_, index) => (await post(port, { tools: TOOLS, messages: [{ role: 'user', content: `burst ${index}: hello` }] })).ms),
  );
  return { backToBack, burst };
}

export async function benchAgents(context: AgentBenchContext, loops: number): Promise<string[]> {
  const { upstream, port, rawColdMs, quiet, median, percentile } = context;
  const ratio = (value: number) => `${(value / rawColdMs).toFixed(2)}x`;
  const ms = (value: number) => `${value.toFixed(0)} ms`;
  upstream.when('bench-agent', loopReply);

  console.log(`Agent tool loop: ${loops} loops of ${LOOP_TURNS} turns...`);
  const heldBefore = (await health(port)).affinity_held_continued ?? 0;
  const firstTurns: number[] = [];
  const laterTurns: number[] = [];
  for (let loop = 0; loop < loops; loop += 1) {
    await quiet(port);
    const messages: object[] = [{ role: 'user', content: `bench-agent loop=${loop} step=0: read the files` }];
    for (let turn = 1; turn <= LOOP_TURNS; turn += 1) {
      const { ms: took, message } = await post(port, { tools: TOOLS, messages });
      (turn === 1 ? firstTurns : laterTurns).push(took);
      const call = message.content.find((block) => block.type === 'tool_use');
      if (call == null) break;
      // The agent runs the tool at once: its result goes back in the next request.
      messages.push(
        { role: 'assistant', content: message.content },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: call.id, content: `bench-agent step=${turn}: export const value = ${turn};` }] },
      );
    }
  }
  const heldTurns = ((await health(port)).affinity_held_continued ?? 0) - heldBefore;

  const { backToBack, burst } = await newConversations(context, port);

  console.log('Regenerate: the second answer of a conversation asked for again...');
  const regenerated: number[] = [];
  for (let run = 0; run < 5; run += 1) {
    await quiet(port);
    const first = [{ role: 'user', content: `regenerate ${run}: tell me a story` }];
    const answer = await post(port, { messages: first });
    const second = [...first, { role: 'assistant', content: answer.message.content }, { role: 'user', content: 'Another one, please.' }];
    await post(port, { messages: second });
    await quiet(port);
    regenerated.push((await post(port, { messages: second })).ms);
  }

  await quiet(port);
  const idle = context.cliRss();
  const pool = await health(port);
  return [
    '## Agent workloads (defaults: WARM_POOL_SIZE=2, AFFINITY_SIZE=4, MAX_CONCURRENT=8)',
    '',
    `Request sent → whole answer received (non-streaming, one read_file tool), against the raw cold CLI given the same ` +
      `tool (spawn → message_stop, its tool server answered as the proxy does): ${ms(rawColdMs)}, median of the same run.`,
    '',
    '| workload | median | p90 / slowest | vs raw cold CLI |',
    '|---|---|---|---|',
    `| tool loop, turn 1 (new conversation with tools) | ${ms(median(firstTurns))} | ${ms(Math.max(...firstTurns))} | ${ratio(median(firstTurns))} |`,
    `| tool loop, turns 2-${LOOP_TURNS} (${laterTurns.length} turns; ${heldTurns} served by the held process) | ${ms(median(laterTurns))} | ${ms(percentile(laterTurns, 90))} | ${ratio(median(laterTurns))} |`,
    `| 7 new conversations with tools, back to back | ${ms(median(backToBack))} | ${ms(Math.max(...backToBack))} | ${ratio(median(backToBack))} |`,
    `| burst: 8 new conversations with tools at once | ${ms(median(burst))} | ${ms(Math.max(...burst))} (slowest) | ${ratio(Math.max(...burst))} (slowest) |`,
    `| regenerate (a conversation's second answer asked for again) | ${ms(median(regenerated))} | ${ms(Math.max(...regenerated))} | ${ratio(median(regenerated))} |`,
    '',
    `Back to back, in order: ${backToBack.map(ms).join(', ')}. Burst, in order of request: ${burst.map(ms).join(', ')}.`,
    '',
    `Idle after these workloads: ${idle.count} CLI processes, ${idle.rss.toFixed(0)} MB RSS in total ` +
      `(warm ${pool.warm_idle ?? 0}, kept ${(pool.affinity_kept ?? 0) - (pool.affinity_held ?? 0)}, held ${pool.affinity_held ?? 0}).`,
    '',
  ];
}
