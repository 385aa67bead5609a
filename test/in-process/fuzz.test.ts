/**
 * Fuzz over the three APIs, in process: generated requests (valid seeds, mutated) and raw-HTTP oddities against the
 * real HTTP stack, with a runner that builds the real CLI invocation and answers with a recorded CLI turn. Seeded:
 * FUZZ_SEED replays a run, FUZZ_CASES sets its size (a few thousand in CI).
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BODY_LIMIT_BYTES, loadConfig } from '../../src/config.ts';
import { createApp } from '../../src/server/create-app.ts';
import { checkCliInvocation } from '../support/fuzz/check-cli-invocation.ts';
import { checkFuzzAnswer, protocolOfPath } from '../support/fuzz/check-fuzz-response.ts';
import { generateFuzzCase, type FuzzCase } from '../support/fuzz/mutate-request.ts';
import { RAW_HTTP_CASES, sendRawHttp } from '../support/fuzz/raw-http-cases.ts';
import { SeededRandom } from '../support/fuzz/seeded-random.ts';
import { loggedInHealth, RecordedCliRunner } from '../support/recorded-cli-runner.ts';

const SEED = Number(process.env.FUZZ_SEED ?? 20261201);
const CASES = Number(process.env.FUZZ_CASES ?? 3000);
const CONCURRENCY = 8;

let app: FastifyInstance;
let base: URL;
/** What reached the runner that should not have (a turn is not tied to its HTTP case: checked as a whole). */
const invocationProblems = new Set<string>();
const escaped: unknown[] = [];
const onEscape = (error: unknown): void => {
  escaped.push(error);
};

beforeAll(async () => {
  process.on('unhandledRejection', onEscape);
  process.on('uncaughtException', onEscape);
  const runner = new RecordedCliRunner({
    inspect: (invocation, request) => {
      for (const problem of checkCliInvocation(invocation))
        invocationProblems.add(`${problem} (model ${request.model.slice(0, 40)}, ${request.messages.length} messages)`);
    },
    scenario: (request) => (request.mcpServers.length > 0 ? 'mcp-tool-call' : request.tools.length > 0 && request.outputSchema == null ? 'tool-use' : 'text'),
  });
  // A short body deadline, so that the raw case whose body never completes ends quickly; long enough for a 30 MB body
  // on a loaded machine.
  // An MCP registry, so that the seeds naming its server are served (the recorded runner starts nothing).
  const config = loadConfig({
    LOG_LEVEL: 'silent',
    KEEPALIVE_INTERVAL_MS: '20',
    REQUEST_BODY_TIMEOUT_MS: '5000',
    PROXY_MCP_CONFIG: '{"mcpServers":{"everything":{"command":"never-started"}}}',
  });
  app = await createApp({
    config,
    runner,
    cliHealth: loggedInHealth(),
    now: Date.now,
  });
  base = new URL(await app.listen({ port: 0, host: '127.0.0.1' }));
});

afterAll(async () => {
  await app?.close();
  process.off('unhandledRejection', onEscape);
  process.off('uncaughtException', onEscape);
});

async function send(fuzzCase: FuzzCase): Promise<{ status: number; problems: string[] }> {
  const headers: Record<string, string> = { 'anthropic-version': '2023-06-01' };
  if (fuzzCase.contentType != null) headers['content-type'] = fuzzCase.contentType;
  const response = await fetch(new URL(fuzzCase.path, base), { method: 'POST', headers, body: fuzzCase.body });
  const text = await response.text();
  return { status: response.status, problems: checkFuzzAnswer({ status: response.status, headers: response.headers, text }, protocolOfPath(fuzzCase.path)) };
}

describe('fuzz (in process)', () => {
  it(`answers ${CASES} mutated requests of the three APIs without a 5xx, each error in its protocol's shape, the server up`, async () => {
    const random = new SeededRandom(SEED);
    const failures: string[] = [];
    const statuses = new Map<number, number>();
    let next = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < CASES) {
          // Generated one at a time, in index order (the seed fixes each case), so that big bodies do not pile up.
          const index = next++;
          const fuzzCase = generateFuzzCase(random);
          try {
            const { status, problems } = await send(fuzzCase);
            statuses.set(status, (statuses.get(status) ?? 0) + 1);
            if (problems.length > 0) failures.push(`case ${index} ${fuzzCase.path} [${fuzzCase.changes.join('; ')}]: ${problems.join('; ')}`);
          } catch (error) {
            // Over the body limit the server answers 413 without reading the rest, and closes: the client may see
            // the reset before the answer (as with the real API's 413).
            if (Buffer.byteLength(fuzzCase.body) > BODY_LIMIT_BYTES) statuses.set(413, (statuses.get(413) ?? 0) + 1);
            else failures.push(`case ${index} ${fuzzCase.path} [${fuzzCase.changes.join('; ')}]: no answer (${String(error)})`);
          }
        }
      }),
    );
    const elapsed = performance.now() - started;
    const health = await fetch(new URL('/health', base));
    console.log(
      `fuzz: seed ${SEED}, ${CASES} cases in ${Math.round(elapsed)} ms; statuses ${JSON.stringify(Object.fromEntries([...statuses]))}; ${failures.length} failures`,
    );
    expect(failures.slice(0, 20)).toEqual([]);
    expect([...invocationProblems].slice(0, 20)).toEqual([]);
    expect(escaped).toEqual([]);
    expect(health.status).toBe(200);
  }, 600_000);

  it.each(RAW_HTTP_CASES.map((rawCase) => [rawCase.name, rawCase] as const))('survives a raw-HTTP oddity: %s', async (_name, rawCase) => {
    const answer = await sendRawHttp(base.hostname, Number(base.port), rawCase.request, rawCase.endAfterWrite);
    expect(answer.statuses.filter((status) => status >= 500)).toEqual([]);
    const path = /^[A-Z]+ (\S+)/.exec(rawCase.request)?.[1] ?? '/';
    for (const response of answer.responses.filter((candidate) => candidate.status >= 400)) {
      expect(checkFuzzAnswer({ status: response.status, headers: response.headers, text: response.body }, protocolOfPath(path))).toEqual([]);
    }
    expect((await fetch(new URL('/health', base))).status).toBe(200);
    expect(escaped).toEqual([]);
  });
});
