/**
 * A small soak in every CI run (`npm run soak` is the full one): requests over the three APIs at concurrency 8 with
 * 30% of clients aborting; every other client gets its exact answer, /health stays 200, and nothing is left over.
 */
import { describe, expect, it } from 'vitest';
import { runSoak } from '../support/soak/run-soak.ts';

describe('soak', () => {
  it('serves 40 requests with 30% aborting clients: exact answers, /health 200 throughout, no process or upstream request left', async () => {
    // The e2e-cold project runs it without warm pool and affinity, as the other e2e cases.
    const size = process.env.TEST_WARM_POOL_SIZE;
    const pool: Record<string, string> = size != null ? { WARM_POOL_SIZE: size, AFFINITY_SIZE: size } : {};
    const result = await runSoak({ requests: 40, concurrency: 8, abortShare: 0.3, seed: 7, settings: pool });
    console.log(`soak: ${JSON.stringify({ ...result, wrong: result.wrong.length })}`);
    expect(result.wrong).toEqual([]);
    expect(result.aborted).toBeGreaterThan(0);
    expect(result.health.notOk).toBe(0);
    expect(result.leftoverProcesses).toBe(0);
    expect(result.openUpstreamRequests).toBe(0);
    expect(result.rssMb.end).toBeLessThan(result.rssMb.start + 150);
  }, 300_000);
});
