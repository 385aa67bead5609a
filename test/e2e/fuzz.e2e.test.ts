/**
 * A slice of the fuzz cases through the real CLI (fuzz.test.ts in the in-process tier runs thousands without it):
 * whatever passes the proxy's checks must also pass the CLI's, and no case may leave a CLI process behind.
 * FUZZ_E2E_CASES sets the size, FUZZ_SEED the seed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BODY_LIMIT_BYTES } from '../../src/config.ts';
import { busyCliProcesses } from '../support/cli-processes.ts';
import { checkFuzzAnswer, protocolOfPath } from '../support/fuzz/check-fuzz-response.ts';
import { generateFuzzCase } from '../support/fuzz/mutate-request.ts';
import { SeededRandom } from '../support/fuzz/seeded-random.ts';
import { startTestProxy, type TestProxy } from '../support/start-test-proxy.ts';

const SEED = Number(process.env.FUZZ_SEED ?? 20261201) + 1;
const CASES = Number(process.env.FUZZ_E2E_CASES ?? 150);
const CONCURRENCY = 4;

let proxy: TestProxy;
beforeAll(async () => {
  proxy = await startTestProxy({ settings: { KEEPALIVE_INTERVAL_MS: '200' } });
});
afterAll(async () => proxy.close());

describe('fuzz through the real CLI', () => {
  it(`answers ${CASES} mutated requests without a 5xx and leaves no CLI process behind`, async () => {
    const random = new SeededRandom(SEED);
    const failures: string[] = [];
    const statuses = new Map<number, number>();
    let next = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < CASES) {
          const index = next++;
          const fuzzCase = generateFuzzCase(random);
          const headers: Record<string, string> = { 'anthropic-version': '2023-06-01' };
          if (fuzzCase.contentType != null) headers['content-type'] = fuzzCase.contentType;
          try {
            const response = await fetch(`${proxy.url}${fuzzCase.path}`, { method: 'POST', headers, body: fuzzCase.body });
            const text = await response.text();
            statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
            const problems = checkFuzzAnswer({ status: response.status, headers: response.headers, text }, protocolOfPath(fuzzCase.path));
            if (problems.length > 0)
              failures.push(`case ${index} ${fuzzCase.path} [${fuzzCase.changes.join('; ')}]: ${problems.join('; ')} ${text.slice(0, 300)}`);
          } catch (error) {
            // Over the body limit the server answers 413 without reading the rest, and closes: the client may see
            // the reset before the answer.
            if (Buffer.byteLength(fuzzCase.body) > BODY_LIMIT_BYTES) statuses.set(413, (statuses.get(413) ?? 0) + 1);
            else failures.push(`case ${index} ${fuzzCase.path} [${fuzzCase.changes.join('; ')}]: no answer (${String(error)})`);
          }
        }
      }),
    );
    console.log(
      `fuzz (real CLI): seed ${SEED}, ${CASES} cases in ${Math.round(performance.now() - started)} ms; statuses ${JSON.stringify(Object.fromEntries(statuses))}`,
    );
    expect(failures).toEqual([]);
    await expect.poll(() => busyCliProcesses(proxy), { timeout: 10_000 }).toEqual([]);
    expect((await fetch(`${proxy.url}/health`)).status).toBe(200);
  }, 600_000);
});
