/**
 * @module
 * A soak: the built proxy as its own process (real CLI, fake upstream), hundreds of requests at concurrency 8 over
 * the three APIs, streamed and not, some continuing earlier conversations, 30% of clients giving up at a random
 * point. Meanwhile /health is probed; afterwards the CLI processes, the upstream's open requests and the proxy's
 * memory are counted. `npm run soak` prints the figures; the e2e suite runs a small one and checks them.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliProcessesWithHome } from '../cli-processes.ts';
import { FakeUpstream } from '../fake-upstream.ts';
import { SeededRandom } from '../fuzz/seeded-random.ts';
import { bundledClaudePath, hermeticEnvironment } from '../start-test-proxy.ts';
import { freePort } from '../free-port.ts';

export interface SoakOptions {
  requests: number;
  concurrency: number;
  /** Share of clients that abort (0..1). */
  abortShare: number;
  seed: number;
  /** Extra proxy settings. */
  settings?: Record<string, string>;
}

export interface SoakResult {
  requests: number;
  completed: number;
  aborted: number;
  /** Completed requests whose answer was not the exact text (or not a 200). */
  wrong: string[];
  latencyMs: { p50: number; p95: number; max: number };
  health: { probes: number; notOk: number; maxMs: number };
  rssMb: { start: number; peak: number; end: number };
  /** CLI processes left after the run beyond the idle warm and kept ones. */
  leftoverProcesses: number;
  openUpstreamRequests: number;
  durationMs: number;
}

const ROOT = join(import.meta.dirname, '..', '..', '..');
const REPLY = ['The quick', ' brown fox', ' jumps over', ' the lazy', ' dog.'];

type Api = 'messages' | 'chat' | 'responses';

interface Turn {
  user: string;
  assistant: string;
}

function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

function rssMb(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match != null ? Math.round(Number(match[1]) / 1024) : 0;
}

function body(api: Api, history: Turn[], prompt: string, stream: boolean): unknown {
  const turns = history.flatMap((turn) => [
    { role: 'user', content: turn.user },
    { role: 'assistant', content: turn.assistant },
  ]);
  const messages = [...turns, { role: 'user', content: prompt }];
  switch (api) {
    case 'messages':
      return { model: 'sonnet', max_tokens: 50, stream, messages };
    case 'chat':
      return { model: 'sonnet', stream, messages };
    case 'responses':
      return { model: 'sonnet', stream, input: messages };
  }
}

const PATHS: Record<Api, string> = { messages: '/v1/messages', chat: '/v1/chat/completions', responses: '/v1/responses' };

/** The answer's text from a whole body, streamed or not, in any of the three APIs. */
function answerText(api: Api, stream: boolean, text: string): string {
  if (!stream) {
    const parsed = JSON.parse(text) as {
      content?: { text?: string }[];
      choices?: { message: { content: string } }[];
      output?: { content?: { text?: string }[] }[];
    };
    if (api === 'messages') return (parsed.content ?? []).map((block) => block.text ?? '').join('');
    if (api === 'chat') return parsed.choices?.[0]?.message.content ?? '';
    return (parsed.output ?? [])
      .flatMap((item) => item.content ?? [])
      .map((part) => part.text ?? '')
      .join('');
  }
  let answer = '';
  for (const line of text.split('\n')) {
    if (!line.startsWith('data: ') || line === 'data: [DONE]') continue;
    const event = JSON.parse(line.slice(6)) as { type?: string; delta?: unknown; choices?: { delta?: { content?: string } }[] };
    if (api === 'messages' && event.type === 'content_block_delta') answer += (event.delta as { text?: string }).text ?? '';
    if (api === 'chat') answer += event.choices?.[0]?.delta?.content ?? '';
    if (api === 'responses' && event.type === 'response.output_text.delta') answer += String(event.delta);
  }
  return answer;
}

async function startProxy(port: number, environment: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(process.execPath, [join(ROOT, 'dist', 'main.js'), String(port)], { env: environment, stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    let output = '';
    child.stdout!.on('data', (chunk) => {
      output += chunk;
      if (output.includes('listening on')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`the proxy exited with ${String(code)}`)));
  });
  return child;
}

async function health(base: string): Promise<{ status: number; ms: number; pool: { in_use: number; warm_idle: number; affinity_kept: number } }> {
  const started = performance.now();
  const response = await fetch(`${base}/health`);
  const json = (await response.json()) as { pool: { in_use: number; warm_idle: number; affinity_kept: number } };
  return { status: response.status, ms: performance.now() - started, pool: json.pool };
}

export async function runSoak(options: SoakOptions): Promise<SoakResult> {
  const upstream = new FakeUpstream();
  const upstreamUrl = await upstream.start();
  // A short pause between events, so that streams last long enough for clients to give up in the middle.
  upstream.setDefault({ kind: 'message', content: [{ type: 'text', text: REPLY.join(''), chunks: REPLY }], eventGapMs: 15 });
  const home = mkdtempSync(join(tmpdir(), 'claude-proxy-soak-home-'));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const proxy = await startProxy(port, {
    ...(hermeticEnvironment() as Record<string, string>),
    HOME: home,
    CLAUDE_PATH: bundledClaudePath(),
    ANTHROPIC_BASE_URL: upstreamUrl,
    ANTHROPIC_API_KEY: 'sk-ant-test-fake-upstream',
    LOG_LEVEL: 'warn',
    ...options.settings,
  });
  const random = new SeededRandom(options.seed);
  const conversations: { api: Api; turns: Turn[] }[] = [];
  const latencies: number[] = [];
  const wrong: string[] = [];
  const healthTimes: number[] = [];
  let healthNotOk = 0;
  let completed = 0;
  let aborted = 0;
  let peak = 0;
  let running = true;
  try {
    await health(base);
    const start = rssMb(proxy.pid!);
    peak = start;
    const started = performance.now();
    const prober = (async () => {
      while (running) {
        const probe = await health(base);
        healthTimes.push(probe.ms);
        if (probe.status !== 200) healthNotOk += 1;
        peak = Math.max(peak, rssMb(proxy.pid!));
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    })();
    let next = 0;
    await Promise.all(
      Array.from({ length: options.concurrency }, async () => {
        while (next < options.requests) {
          const index = next++;
          const continuing = conversations.length > 0 && random.chance(0.3) ? random.pick(conversations) : undefined;
          const api: Api = continuing?.api ?? random.pick(['messages', 'chat', 'responses'] as const);
          const stream = random.chance(0.5);
          const prompt = `soak request ${index}`;
          const history = continuing?.turns ?? [];
          const abortAfterMs = random.chance(options.abortShare) ? random.below(400) : undefined;
          const controller = new AbortController();
          const timer = abortAfterMs != null ? setTimeout(() => controller.abort(), abortAfterMs) : undefined;
          const requestStarted = performance.now();
          try {
            const response = await fetch(`${base}${PATHS[api]}`, {
              method: 'POST',
              headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
              body: JSON.stringify(body(api, history, prompt, stream)),
              signal: controller.signal,
            });
            const text = await response.text();
            clearTimeout(timer);
            latencies.push(performance.now() - requestStarted);
            completed += 1;
            const answer = response.status === 200 ? answerText(api, stream, text) : '';
            if (response.status !== 200 || answer !== REPLY.join(''))
              wrong.push(`request ${index} (${api}, stream ${stream}): ${response.status} ${text.slice(0, 200)}`);
            else if (conversations.length < 50) conversations.push({ api, turns: [...history, { user: prompt, assistant: answer }] });
          } catch (error) {
            clearTimeout(timer);
            if (controller.signal.aborted) aborted += 1;
            else wrong.push(`request ${index} (${api}, stream ${stream}): ${String(error)}`);
          }
        }
      }),
    );
    running = false;
    await prober;
    const durationMs = performance.now() - started;
    // Settled: no turn running, killed processes gone (SIGKILL follows SIGTERM after 2 s).
    let leftoverProcesses = Number.POSITIVE_INFINITY;
    for (let attempt = 0; attempt < 60 && leftoverProcesses > 0; attempt += 1) {
      const state = await health(base);
      leftoverProcesses =
        state.pool.in_use === 0 ? Math.max(0, cliProcessesWithHome(home).length - state.pool.warm_idle - state.pool.affinity_kept) : leftoverProcesses;
      if (leftoverProcesses > 0) await new Promise((resolve) => setTimeout(resolve, 250));
    }
    for (let attempt = 0; attempt < 40 && upstream.openCount > 0; attempt += 1) await new Promise((resolve) => setTimeout(resolve, 250));
    return {
      requests: options.requests,
      completed,
      aborted,
      wrong,
      latencyMs: { p50: Math.round(percentile(latencies, 50)), p95: Math.round(percentile(latencies, 95)), max: Math.round(Math.max(0, ...latencies)) },
      health: { probes: healthTimes.length, notOk: healthNotOk, maxMs: Math.round(Math.max(0, ...healthTimes)) },
      rssMb: { start, peak, end: rssMb(proxy.pid!) },
      leftoverProcesses,
      openUpstreamRequests: upstream.openCount,
      durationMs: Math.round(durationMs),
    };
  } finally {
    running = false;
    const exited = new Promise((resolve) => proxy.once('exit', resolve));
    proxy.kill('SIGTERM');
    await exited;
    await upstream.stop();
    rmSync(home, { recursive: true, force: true });
  }
}
