/**
 * `npm run soak`: hundreds of requests at concurrency 8 across the three APIs against the built proxy (real CLI,
 * fake upstream), 30% of clients aborting at random points; prints what was served, /health throughout, CLI
 * processes and upstream requests left over, and the proxy's memory. SOAK_REQUESTS, SOAK_SEED to change the run.
 */
import { runSoak } from '../test/support/soak/run-soak.ts';

const result = await runSoak({
  requests: Number(process.env.SOAK_REQUESTS ?? 300),
  concurrency: 8,
  abortShare: 0.3,
  seed: Number(process.env.SOAK_SEED ?? 1),
});
const rows: [string, string][] = [
  ['requests', `${result.requests} (${result.completed} completed, ${result.aborted} aborted by their client) in ${(result.durationMs / 1000).toFixed(1)} s`],
  ['wrong answers', `${result.wrong.length}`],
  ['latency of completed requests', `p50 ${result.latencyMs.p50} ms, p95 ${result.latencyMs.p95} ms, max ${result.latencyMs.max} ms`],
  ['/health', `${result.health.probes} probes, ${result.health.notOk} not 200, slowest ${result.health.maxMs} ms`],
  ['CLI processes left (beyond idle warm and kept ones)', `${result.leftoverProcesses}`],
  ['upstream requests left open', `${result.openUpstreamRequests}`],
  ['proxy RSS', `${result.rssMb.start} MB at start, ${result.rssMb.peak} MB peak, ${result.rssMb.end} MB at the end`],
];
console.log('| measure | result |\n|---|---|');
for (const [measure, value] of rows) console.log(`| ${measure} | ${value} |`);
for (const line of result.wrong.slice(0, 10)) console.log(`wrong: ${line}`);
const clean = result.wrong.length === 0 && result.leftoverProcesses === 0 && result.openUpstreamRequests === 0 && result.health.notOk === 0;
process.exit(clean ? 0 : 1);
