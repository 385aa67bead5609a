/**
 * @module
 * The proxy's whole HTTP stack on loopback with a recorded-output runner instead of the CLI (the in-process tier):
 * fast, so that server behaviour (status codes, SSE framing, keep-alives, deadlines, shutdown) is tested directly.
 */
import type { FastifyInstance } from 'fastify';
import type { CliHealth } from '../../src/cli/cli-health.ts';
import type { TurnReport } from '../../src/cli/turn-report.ts';
import { loadConfig } from '../../src/config.ts';
import { createApp } from '../../src/server/create-app.ts';
import { openUsageStore } from '../../src/usage/usage-store.ts';
import type { AccountRouter } from '../../src/server/account-router.ts';
import { loggedInHealth, RecordedCliRunner, type RecordedCliRunnerOptions } from './recorded-cli-runner.ts';

export interface InProcessProxy {
  app: FastifyInstance;
  url: URL;
  runner: RecordedCliRunner;
  close: () => Promise<void>;
}

export async function startInProcessProxy(
  options: {
    settings?: Record<string, string>;
    runner?: RecordedCliRunnerOptions;
    cliHealth?: CliHealth;
    turnObserver?: (report: TurnReport) => void;
    /** Where the app's log lines go (JSON, one per write). */
    logStream?: { write(chunk: string): void };
    /** Subscription accounts the turns are spread over (the recorded runner answers alike for all). */
    accounts?: AccountRouter;
  } = {},
): Promise<InProcessProxy> {
  const runner = new RecordedCliRunner(options.runner);
  const config = loadConfig({ LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent', ...options.settings });
  // Usage accounting in memory, as the real server keeps it in its file.
  const usage = openUsageStore(':memory:');
  const app = await createApp({
    config,
    runner,
    cliHealth: options.cliHealth ?? loggedInHealth(),
    now: Date.now,
    turnObserver: options.turnObserver,
    usage,
    logStream: options.logStream,
    accounts: options.accounts,
  });
  app.addHook('onClose', async () => usage.close());
  const url = new URL(await app.listen({ port: 0, host: '127.0.0.1' }));
  return { app, url, runner, close: () => app.close() };
}

/** A promise with its resolve function, for holding a recorded turn until the test lets it go on. */
export function gate(): { promise: Promise<void>; open: () => void } {
  let open: () => void = () => undefined;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

/** Reads a streamed body until `text` has arrived (or the body ends); returns everything read so far. */
export async function readUntil(reader: ReadableStreamDefaultReader<Uint8Array>, text: string, sofar = ''): Promise<string> {
  const decoder = new TextDecoder();
  let received = sofar;
  while (!received.includes(text)) {
    const { value, done } = await reader.read();
    if (done) break;
    received += decoder.decode(value, { stream: true });
  }
  return received;
}
