import { defineConfig } from 'vitest/config';
import { OLDEST_CLI_PATH } from './test/support/install-oldest-cli.ts';

export default defineConfig({
  test: {
    projects: [
      {
        // Unit tests run first (group 0), then the e2e tests (group 1), each group with its own worker limit.
        test: { name: 'unit', include: ['src/**/*.test.ts'], environment: 'node', sequence: { groupOrder: 0 } },
      },
      {
        // The HTTP stack in process, with a runner that answers from recorded CLI output (fuzz, server behaviour).
        test: { name: 'in-process', include: ['test/in-process/**/*.test.ts'], environment: 'node', sequence: { groupOrder: 0 }, testTimeout: 120_000 },
      },
      {
        // The status page (GET /) in headless Chromium (/usr/bin/chromium; skipped without it unless CI is set) against the in-process proxy.
        test: {
          name: 'browser',
          include: ['test/browser/**/*.browser.test.ts'],
          environment: 'node',
          sequence: { groupOrder: 0 },
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        // The same e2e cases with every request on a cold CLI (WARM_POOL_SIZE=0): both paths must behave alike.
        test: {
          name: 'e2e-cold',
          include: ['test/e2e/**/*.e2e.test.ts'],
          // Files whose proxies set their own pool sizes (bin, pool), or that exercise clients or inputs rather than the
          // process path (codex, agents-sdk, fuzz, health), would only repeat the e2e project. The quota is read from
          // the turn's lines before its process is kept or ended (quota), the same on either path. The fleet, the shared
          // usage store and the accounts route requests, not processes.
          exclude: ['test/e2e/{bin,pool,codex,claude-code-client,agents-sdk,fuzz,health,memory-budget,quota,fleet-nginx,usage-postgres,accounts}.e2e.test.ts'],
          environment: 'node',
          maxWorkers: 2,
          sequence: { groupOrder: 2 },
          testTimeout: 60_000,
          hookTimeout: 60_000,
          // A cold CLI start on a loaded 2-core machine can take seconds: polls wait for events, not a fixed second.
          expect: { poll: { timeout: 15_000 } },
          env: { TEST_WARM_POOL_SIZE: '0' },
        },
      },
      {
        // The same e2e cases against the oldest CLI of the tested range (installed by the global setup).
        test: {
          name: 'e2e-oldest',
          include: ['test/e2e/**/*.e2e.test.ts'],
          // What differs between CLI versions is the wire: the client libraries (codex, agents-sdk) and the volume runs
          // (fuzz, soak) add nothing the other files do not already check on the oldest CLI.
          // nginx and PostgreSQL (fleet-nginx, usage-postgres) do not depend on the CLI's version.
          exclude: ['test/e2e/{codex,agents-sdk,fuzz,soak,fleet-nginx,usage-postgres}.e2e.test.ts'],
          environment: 'node',
          maxWorkers: 2,
          sequence: { groupOrder: 3 },
          testTimeout: 60_000,
          hookTimeout: 60_000,
          // A cold CLI start on a loaded 2-core machine can take seconds: polls wait for events, not a fixed second.
          expect: { poll: { timeout: 15_000 } },
          globalSetup: ['test/support/install-oldest-cli.ts'],
          env: { TEST_CLAUDE_PATH: OLDEST_CLI_PATH },
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.e2e.test.ts'],
          environment: 'node',
          // Each case spawns the real CLI (~0.5 s, ~300 MB): keep two files at a time on a 2-core machine.
          maxWorkers: 2,
          sequence: { groupOrder: 1 },
          testTimeout: 60_000,
          hookTimeout: 60_000,
          // A cold CLI start on a loaded 2-core machine can take seconds: polls wait for events, not a fixed second.
          expect: { poll: { timeout: 15_000 } },
        },
      },
    ],
  },
});
