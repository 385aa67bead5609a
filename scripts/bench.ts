/**
 * `npm run bench`: speed and memory of claude-cli-proxy against the raw cold CLI, in one run, on this machine.
 * A fake Anthropic upstream answers at once (its own TTFT ~0); every figure is a median over alternating runs.
 * Writes docs/benchmarks.md. Not a test: numbers vary by machine; ratios within one run are what count.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { answerControlRequest } from '../src/cli/answer-control-request.ts';
import { buildCliInvocation } from '../src/cli/build-cli-invocation.ts';
import { parseCliLine } from '../src/cli/cli-lines.ts';
import { plainTurnRequest, type TurnRequest } from '../src/core/turn-request.ts';
import { FakeUpstream, textReply } from '../test/support/fake-upstream.ts';
import { benchAgents, newConversations } from './bench-agents.ts';
import { recordingCostPerTurn, recordingSettings, wholeTurnMs } from './bench-recording.ts';
import { bundledClaudePath, CLI_VERSION, hermeticEnvironment } from '../test/support/start-test-proxy.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 15);
/** `agents`: only the agent workloads, printed, docs/benchmarks.md left as it is. */
const ONLY = process.env.BENCH_ONLY;
const ROOT = join(import.meta.dirname, '..');

const upstream = new FakeUpstream();
const upstreamUrl = await upstream.start();
upstream.setDefault(textReply('Hello there, benchmark.', { chunks: ['Hello', ' there,', ' benchmark.'] }));
const home = mkdtempSync(join(tmpdir(), 'claude-proxy-bench-home-'));
const cliEnvironment = { ...hermeticEnvironment(), HOME: home, ANTHROPIC_BASE_URL: upstreamUrl, ANTHROPIC_API_KEY: 'sk-bench' };

// ---------------------------------------------------------------- helpers

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

const ms = (value: number) => `${value.toFixed(1)} ms`;

async function startProxy(port: number, settings: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(process.execPath, [join(ROOT, 'dist', 'main.js'), String(port)], {
    env: { ...cliEnvironment, CLAUDE_PATH: bundledClaudePath(), LOG_LEVEL: 'warn', USAGE_DATABASE: 'off', ...settings },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    let output = '';
    child.stdout!.on('data', (chunk) => {
      output += chunk;
      if (output.includes('listening on')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`proxy exited with ${String(code)}`)));
  });
  child.once('exit', (code, signal) => console.error(`proxy on ${port} exited: code ${String(code)}, signal ${String(signal)}`));
  return child;
}

/** Waits until no turn runs and a warm process is there (a fair, quiet start for the next measurement). */
async function warmReady(port: number): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt += 1) {
    const health = (await (await fetch(`http://127.0.0.1:${port}/health`)).json()) as { pool: { warm_idle: number; warm_size: number; in_use: number } };
    if (health.pool.warm_idle >= 1 && health.pool.in_use === 0) {
      // A refilled process is listed at once; give it time to finish starting (its ~0.5 s start-up).
      await new Promise((resolve) => setTimeout(resolve, 700));
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const history = [
  { role: 'user', content: 'What is the capital of France?' },
  { role: 'assistant', content: 'Paris.' },
  { role: 'user', content: 'And of Italy?' },
  { role: 'assistant', content: 'Rome.' },
  { role: 'user', content: 'And of Spain?' },
];

/**
 * Two turns of a new conversation through the proxy, built from its real answers; returns the third turn's
 * messages (the proxy now keeps the process that holds the first two turns).
 */
async function twoTurns(port: number, run: number): Promise<object[]> {
  const messages: { role: string; content: unknown }[] = [];
  for (const question of [`Run ${run}: what is the capital of France?`, 'And of Italy?']) {
    messages.push({ role: 'user', content: question });
    const response = await fetch(`http://127.0.0.1:${port}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'sonnet', max_tokens: 256, messages }),
    });
    messages.push({ role: 'assistant', content: ((await response.json()) as { content: unknown }).content });
  }
  return [...messages, { role: 'user', content: 'And of Spain?' }];
}

/** Waits until the conversation's process is kept and the pool is full again. */
async function keptReady(port: number): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt += 1) {
    const health = (await (await fetch(`http://127.0.0.1:${port}/health`)).json()) as { pool: { warm_idle: number; in_use: number; affinity_kept: number } };
    if (health.pool.affinity_kept >= 1 && health.pool.warm_idle >= 1 && health.pool.in_use === 0) {
      await new Promise((resolve) => setTimeout(resolve, 700));
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Request sent → first text delta at the client, through the proxy (raw streaming fetch). */
async function proxyTtft(port: number, messages: object[]): Promise<{ ttft: number; gaps: number[] }> {
  const started = performance.now();
  const response = await fetch(`http://127.0.0.1:${port}/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'sonnet', max_tokens: 256, stream: true, messages }),
  });
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let ttft = 0;
  let last = 0;
  const gaps: number[] = [];
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    const text = decoder.decode(value);
    const deltas = text.split('event: content_block_delta').length - 1;
    if (deltas > 0) {
      const now = performance.now();
      if (ttft === 0) ttft = now - started;
      else gaps.push(now - last);
      last = now;
    }
  }
  return { ttft, gaps };
}

/**
 * The raw CLI, same flags, environment, stdin and upstream as the proxy gives it: first text delta on its stdout,
 * timed from the spawn (cold) or, for the warm path's floor, from writing stdin to a CLI started ahead and waiting.
 */
async function rawCliTtft(start: 'cold' | 'warm', until = '"text_delta"', tools: TurnRequest['tools'] = []): Promise<number> {
  const request = plainTurnRequest('sonnet', { messages: [{ role: 'user', content: 'What is the capital of France?' }], maxTokens: 256, tools });
  const cwd = mkdtempSync(join(tmpdir(), 'claude-proxy-bench-cwd-'));
  const invocation = buildCliInvocation(request, { claudePath: bundledClaudePath(), cwd, environment: cliEnvironment, newId: () => 'bench' });
  let started = performance.now();
  const child = spawn(invocation.command, invocation.args, { cwd, env: invocation.env, stdio: ['pipe', 'pipe', 'ignore'] });
  if (start === 'warm') {
    // Started and waiting on stdin well before this (its start-up takes about 0.5 s of CPU).
    await new Promise((resolve) => setTimeout(resolve, 1500));
    started = performance.now();
  }
  for (const step of invocation.stdinSteps) child.stdin.write(`${step.line}\n`);
  const ttft = await new Promise<number>((resolve) => {
    let buffer = '';
    let lines = '';
    child.stdout.on('data', (chunk) => {
      buffer += chunk;
      if (buffer.includes(until)) resolve(performance.now() - started);
      // With tools, the CLI asks for the tool server's list over the control protocol: answered as the proxy would.
      lines += chunk;
      const complete = lines.split('\n');
      lines = complete.pop()!;
      for (const text of complete) {
        if (!text.includes('"control_request"')) continue;
        const line = parseCliLine(text);
        const response = line.type === 'control_request' ? answerControlRequest(line, tools) : undefined;
        if (response != null) child.stdin.write(`${JSON.stringify(response)}\n`);
      }
    });
  });
  child.kill('SIGTERM');
  return ttft;
}

/** RSS in MB of the CLI processes started for this benchmark (found by their HOME). */
function cliRssMb(): { count: number; rss: number } {
  let count = 0;
  let rss = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (!readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0').includes(`HOME=${home}`)) continue;
      if (!readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes('claude')) continue;
      const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${entry}/status`, 'utf8'))?.[1] ?? 0);
      count += 1;
      rss += kb / 1024;
    } catch {
      // gone
    }
  }
  return { count, rss };
}

function processRssMb(pid: number): number {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
}

// ---------------------------------------------------------------- measurements

const POOL_PORT = 4601;
const COLD_PORT = 4602;
const AGENT_PORT = 4603;
const RECORDING_PORT = 4605;
if (ONLY === 'agents' || ONLY === 'recording') {
  const lines = ONLY === 'agents' ? await agentWorkloads() : await recording();
  console.log(lines.join('\n'));
  // The recording section alone is replaced in docs/benchmarks.md (the other figures stay from their full run).
  if (ONLY === 'recording') replaceSection(join(ROOT, 'docs', 'benchmarks.md'), lines);
  await upstream.stop();
  process.exit(0);
}

function replaceSection(file: string, lines: string[]): void {
  const text = readFileSync(file, 'utf8');
  const heading = lines[0]!;
  const start = text.indexOf(heading);
  const next = start >= 0 ? text.indexOf('\n## ', start + heading.length) : -1;
  const section = lines.join('\n');
  const updated = start < 0 ? `${text.trimEnd()}\n\n${section}\n` : `${text.slice(0, start)}${section}${next >= 0 ? text.slice(next) : '\n'}`;
  writeFileSync(file, updated);
}
const pooled = await startProxy(POOL_PORT, { WARM_POOL_SIZE: '2', MAX_CONCURRENT: '16', QUEUE_TIMEOUT_MS: '60000' });
const cold = await startProxy(COLD_PORT, { WARM_POOL_SIZE: '0', AFFINITY_SIZE: '0', MAX_CONCURRENT: '16', QUEUE_TIMEOUT_MS: '60000' });
const results: string[] = [];
try {
  await warmReady(POOL_PORT);
  const idleProxyRss = processRssMb(pooled.pid!);
  const idleCli = cliRssMb();

  console.log(`TTFT, ${RUNS} alternating runs each...`);
  const raw: number[] = [];
  const rawWarm: number[] = [];
  const warmSingle: number[] = [];
  const coldSingle: number[] = [];
  const warmThird: number[] = [];
  const keptThird: number[] = [];
  const coldThird: number[] = [];
  // Every measurement starts on a quiet machine: no pool refill still starting on the other core.
  for (let run = 0; run < RUNS; run += 1) {
    await warmReady(POOL_PORT);
    raw.push(await rawCliTtft('cold'));
    await warmReady(POOL_PORT);
    rawWarm.push(await rawCliTtft('warm'));
    await warmReady(POOL_PORT);
    warmSingle.push((await proxyTtft(POOL_PORT, [{ role: 'user', content: 'What is the capital of France?' }])).ttft);
    await warmReady(POOL_PORT);
    coldSingle.push((await proxyTtft(COLD_PORT, [{ role: 'user', content: 'What is the capital of France?' }])).ttft);
    await warmReady(POOL_PORT);
    warmThird.push((await proxyTtft(POOL_PORT, history)).ttft);
    const conversation = await twoTurns(POOL_PORT, run);
    await keptReady(POOL_PORT);
    keptThird.push((await proxyTtft(POOL_PORT, conversation)).ttft);
    await warmReady(POOL_PORT);
    coldThird.push((await proxyTtft(COLD_PORT, history)).ttft);
  }
  const rawMedian = median(raw);
  results.push(
    '## Time to first token (request sent → first text delta at the client)',
    '',
    `Upstream TTFT is ~0 (the fake upstream answers at once), so these are the proxy's and the CLI's own costs. Medians of ${RUNS} alternating runs.`,
    '',
    'Third turn (5 messages): "continued" is the conversation\'s next request after two turns through the proxy',
    '(conversation affinity: only the new message is sent to the process that holds the conversation); "replayed" is',
    'a history the proxy has no process for (its earlier messages are replayed over stdin).',
    '',
    '| path | single turn | third turn, continued | third turn, replayed | vs raw cold CLI (single) |',
    '|---|---|---|---|---|',
    `| raw cold CLI (spawn → first delta, same flags) | ${ms(rawMedian)} | – | – | 1.00x |`,
    `| raw warm CLI (started ahead; stdin written → first delta): the warm path's floor | ${ms(median(rawWarm))} | – | – | ${(median(rawWarm) / rawMedian).toFixed(2)}x |`,
    `| proxy, warm pool + affinity (defaults) | ${ms(median(warmSingle))} | ${ms(median(keptThird))} | ${ms(median(warmThird))} | ${(median(warmSingle) / rawMedian).toFixed(2)}x |`,
    `| proxy, cold (WARM_POOL_SIZE=0, AFFINITY_SIZE=0) | ${ms(median(coldSingle))} | – | ${ms(median(coldThird))} | ${(median(coldSingle) / rawMedian).toFixed(2)}x |`,
    '',
    `Warm-path overhead over the upstream's TTFT: ${ms(median(warmSingle))} (single), ${ms(median(keptThird))} (third turn, continued), ` +
      `${ms(median(warmThird))} (third turn, replayed). The proxy's own share of the warm single turn (minus the raw warm CLI): ` +
      `${ms(median(warmSingle) - median(rawWarm))}. Cold path minus raw CLI: ${ms(median(coldSingle) - rawMedian)}.`,
    '',
  );

  console.log('Per-chunk latency...');
  upstream.setDefault(textReply('x', { chunks: Array.from({ length: 50 }, (_, index) => `t${index} `), eventGapMs: 20 }));
  await warmReady(POOL_PORT);
  const gaps: number[] = [];
  for (let run = 0; run < 5; run += 1) {
    await warmReady(POOL_PORT);
    gaps.push(...(await proxyTtft(POOL_PORT, [{ role: 'user', content: 'stream please' }])).gaps);
  }
  const added = gaps.map((gap) => gap - 20);
  results.push(
    '## Streaming: per-chunk added latency',
    '',
    'The upstream sends one text delta every 20 ms (50 deltas, 5 runs). The gaps the client sees, minus 20 ms:',
    '',
    '| median | p90 | p99 |',
    '|---|---|---|',
    `| ${ms(median(added))} | ${ms(percentile(added, 90))} | ${ms(percentile(added, 99))} |`,
    '',
  );

  console.log('Throughput...');
  upstream.setDefault(textReply('short answer', { chunks: ['short', ' answer'] }));
  results.push(
    '## Throughput and latency (short one-turn streams, warm pool of 2, MAX_CONCURRENT=16)',
    '',
    '| concurrency | requests | errors | req/s | p50 | p99 | CLI processes (RSS) during load | proxy RSS |',
    '|---|---|---|---|---|---|---|---|',
  );
  for (const concurrency of [1, 4, 16]) {
    await warmReady(POOL_PORT);
    const total = concurrency * 4;
    const latencies: number[] = [];
    let errors = 0;
    let next = 0;
    let loadCli = { count: 0, rss: 0 };
    let loadProxyRss = 0;
    const sampler = setInterval(() => {
      const sample = cliRssMb();
      if (sample.rss > loadCli.rss) loadCli = sample;
      loadProxyRss = Math.max(loadProxyRss, processRssMb(pooled.pid!));
    }, 100);
    const started = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < total) {
          next += 1;
          const begin = performance.now();
          try {
            const result = await proxyTtft(POOL_PORT, [{ role: 'user', content: 'short please' }]);
            if (result.ttft === 0) errors += 1;
          } catch {
            errors += 1;
          }
          latencies.push(performance.now() - begin);
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    clearInterval(sampler);
    results.push(
      `| ${concurrency} | ${total} | ${errors} | ${(total / seconds).toFixed(2)} | ${ms(median(latencies))} | ${ms(percentile(latencies, 99))} | ${loadCli.count} (${loadCli.rss.toFixed(0)} MB) | ${loadProxyRss.toFixed(0)} MB |`,
    );
  }
  results.push(
    '',
    '## Memory',
    '',
    `Idle (warm pool full): proxy RSS ${idleProxyRss.toFixed(0)} MB; ${idleCli.count} warm CLI processes, ${idleCli.rss.toFixed(0)} MB in total. Under load: see the table above.`,
    '',
  );
} finally {
  pooled.kill('SIGTERM');
  cold.kill('SIGTERM');
}
results.push(...(await agentWorkloads()));
results.push(...(await recording()));
await upstream.stop();

/**
 * What recording metrics, usage and the log line adds to a turn: the recording alone, in process, and whole turns
 * through a proxy that records against one that does not (warm pool, alternating), with the raw cold CLI alongside.
 */
async function recording(): Promise<string[]> {
  const cost = recordingCostPerTurn(median);
  console.log(`Recording alone: ${cost.microseconds.toFixed(1)} µs per turn; whole turns, ${RUNS} alternating runs...`);
  const on = await startProxy(RECORDING_PORT, recordingSettings(true, home));
  const off = await startProxy(RECORDING_PORT + 1, recordingSettings(false, home));
  const times = { on: [] as number[], off: [] as number[], raw: [] as number[] };
  try {
    for (let run = 0; run < RUNS; run += 1) {
      await warmReady(RECORDING_PORT);
      await warmReady(RECORDING_PORT + 1);
      times.raw.push(await rawCliTtft('cold', '"message_stop"'));
      // Alternating which proxy goes first, so that neither always follows the raw CLI's exit.
      for (const which of run % 2 === 0 ? (['on', 'off'] as const) : (['off', 'on'] as const)) {
        const port = which === 'on' ? RECORDING_PORT : RECORDING_PORT + 1;
        await warmReady(port);
        times[which].push(await wholeTurnMs(port));
      }
    }
  } finally {
    on.kill('SIGTERM');
    off.kill('SIGTERM');
  }
  const raw = median(times.raw);
  const ratio = (value: number) => `${(value / raw).toFixed(2)}x`;
  return [
    '## Recording: metrics, usage accounting and the request log',
    '',
    `The recording alone (metrics, the usage row upserted into its SQLite file, the JSON log line), in process: ` +
      `${cost.microseconds.toFixed(1)} µs per turn, median of ${cost.turns / 1000} batches of 1,000 turns.`,
    '',
    `Whole turns (request → whole answer, non-streaming, warm pool; the turn is recorded before its answer is sent), medians of ${RUNS} alternating runs:`,
    '',
    '| proxy | whole turn | vs raw cold CLI (spawn → message_stop) |',
    '|---|---|---|',
    `| raw cold CLI | ${ms(raw)} | 1.00x |`,
    `| recording on (usage in a file, LOG_LEVEL=info, JSON) | ${ms(median(times.on))} | ${ratio(median(times.on))} |`,
    `| recording off (USAGE_DATABASE=off, LOG_LEVEL=silent; metrics stay on) | ${ms(median(times.off))} | ${ratio(median(times.off))} |`,
    '',
    `Difference (on − off): ${(median(times.on) - median(times.off)).toFixed(1)} ms, against a run-to-run spread (p90 − p10 of "off") of ` +
      `${(percentile(times.off, 90) - percentile(times.off, 10)).toFixed(1)} ms.`,
    '',
  ];
}

/** The agent workloads on a proxy of their own with default settings, the raw cold CLI measured alongside. */
async function agentWorkloads(): Promise<string[]> {
  const proxy = await startProxy(AGENT_PORT, {});
  try {
    await warmReady(AGENT_PORT);
    console.log('Raw cold CLI, spawn → message_stop...');
    const rawCold: number[] = [];
    for (let run = 0; run < Math.max(5, Math.ceil(RUNS / 2)); run += 1) {
      await warmReady(AGENT_PORT);
      rawCold.push(
        await rawCliTtft('cold', '"message_stop"', [{ name: 'read_file', description: 'Reads a file of the workspace', inputSchema: { type: 'object' } }]),
      );
    }
    const rawColdMs = median(rawCold);
    const lines = await benchAgents({ upstream, port: AGENT_PORT, rawColdMs, quiet: warmReady, median, percentile, cliRss: cliRssMb }, 3);
    proxy.kill('SIGTERM');
    // The same new conversations with a larger pool: what more warm processes buy (within IDLE_MEMORY_MB).
    const larger = await startProxy(AGENT_PORT + 1, { WARM_POOL_SIZE: '4' });
    try {
      const { backToBack, burst } = await newConversations({ quiet: warmReady }, AGENT_PORT + 1);
      const ratio = (value: number) => `${(value / rawColdMs).toFixed(2)}x`;
      lines.push(
        'With `WARM_POOL_SIZE=4` (same run): 7 new conversations with tools back to back, median ' +
          `${backToBack.length > 0 ? median(backToBack).toFixed(0) : '–'} ms (${ratio(median(backToBack))}); a burst of 8, slowest ` +
          `${Math.max(...burst).toFixed(0)} ms (${ratio(Math.max(...burst))}).`,
        '',
      );
    } finally {
      larger.kill('SIGTERM');
    }
    return lines;
  } finally {
    proxy.kill('SIGTERM');
  }
}

const cpu = cpus()[0]?.model ?? 'unknown CPU';
const header = [
  '# Benchmarks',
  '',
  `Measured by \`npm run bench\` (scripts/bench.ts) on ${new Date().toISOString().slice(0, 10)}: ${cpus().length} cores (${cpu}), ` +
    `${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, Claude Code CLI ${CLI_VERSION}. ` +
    'Proxy, CLI and a fake upstream all on loopback. Re-run it on your machine; compare ratios, not absolute numbers.',
  '',
];
writeFileSync(join(ROOT, 'docs', 'benchmarks.md'), [...header, ...results].join('\n') + '\n');
console.log([...header, ...results].join('\n'));
process.exit(0);
