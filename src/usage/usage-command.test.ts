import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runUsageCommand, USAGE_COMMAND_HELP } from './usage-command.ts';
import { openUsageStore, type UsageEntry } from './usage-store.ts';

/** 2025-05-31 15:00 UTC */
const NOW = Date.UTC(2025, 4, 31, 15);
const DAY_MS = 86_400_000;

let directory: string;
let databasePath: string;
beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), 'usage-command-'));
  databasePath = join(directory, 'usage.db');
});
afterEach(() => rmSync(directory, { recursive: true, force: true }));

function entry(fields: Partial<UsageEntry>): UsageEntry {
  return {
    at: NOW,
    key: 'cursor',
    model: 'claude-sonnet-4-5',
    inputTokens: 1000,
    outputTokens: 10,
    cacheReadInputTokens: 0,
    cacheCreationInputTokens: 0,
    ok: true,
    ...fields,
  };
}

function seed(entries: UsageEntry[]): void {
  const store = openUsageStore(databasePath);
  for (const one of entries) store.record(one);
  store.close();
}

async function runAt(path: string | undefined, argv: string[]): Promise<{ code: number; output: string }> {
  const lines: string[] = [];
  const code = await runUsageCommand(argv, path, (line) => lines.push(line), NOW);
  return { code, output: lines.join('\n') };
}

function run(argv: string[]): Promise<{ code: number; output: string }> {
  return runAt(databasePath, argv);
}

describe('runUsageCommand', () => {
  it('by default sums the last 30 UTC days, today included', async () => {
    seed([
      entry({ at: NOW }),
      entry({ at: NOW - 29 * DAY_MS }),
      // 2025-05-01 23:59 UTC: the day before the window
      entry({ at: Date.UTC(2025, 4, 1, 23, 59) }),
    ]);
    const { code, output } = await run([]);
    expect(code).toBe(0);
    expect(output.split('\n')[0]).toBe('Usage from 2025-05-02 to 2025-05-31 (UTC):');
    expect(output).toContain('cursor  claude-sonnet-4-5         2       0  2,000      20');
  });

  it('takes --days, --key and --model, and prints JSON rows', async () => {
    seed([entry({ at: NOW }), entry({ at: NOW - DAY_MS }), entry({ at: NOW - 2 * DAY_MS }), entry({ key: 'other' }), entry({ model: 'claude-opus-4-1' })]);
    const { code, output } = await run(['--days', '2', '--key', 'cursor', '--model', 'claude-sonnet-4-5', '--json']);
    expect(code).toBe(0);
    const rows = JSON.parse(output) as { date: string; key: string; model: string; requests: number }[];
    expect(rows.map(({ date, key, model, requests }) => ({ date, key, model, requests }))).toEqual([
      { date: '2025-05-30', key: 'cursor', model: 'claude-sonnet-4-5', requests: 1 },
      { date: '2025-05-31', key: 'cursor', model: 'claude-sonnet-4-5', requests: 1 },
    ]);
  });

  it('takes an inclusive --from/--to range', async () => {
    seed([entry({ at: Date.UTC(2025, 0, 1) }), entry({ at: Date.UTC(2025, 0, 2) }), entry({ at: Date.UTC(2025, 0, 3) })]);
    const { code, output } = await run(['--from', '2025-01-02', '--to', '2025-01-03', '--json']);
    expect(code).toBe(0);
    expect((JSON.parse(output) as { date: string }[]).map((row) => row.date)).toEqual(['2025-01-02', '2025-01-03']);
    expect((await run(['--to', '2025-01-31'])).output.split('\n')[0]).toBe('Usage from 2025-01-02 to 2025-01-31 (UTC):');
  });

  it('shows a key filter in the heading and explains an empty result', async () => {
    seed([entry({})]);
    const { code, output } = await run(['--key', 'nobody']);
    expect(code).toBe(0);
    expect(output).toBe('Usage from 2025-05-02 to 2025-05-31 (UTC), key nobody:\nNo usage recorded for this period.');
  });

  it('says nothing was recorded yet when the file does not exist, and does not create it', async () => {
    const missing = join(directory, 'never', 'usage.db');
    expect(await runAt(missing, [])).toEqual({ code: 0, output: `No usage was recorded yet at ${missing}.\nNo usage recorded for this period.` });
    expect(await runAt(missing, ['--json'])).toEqual({ code: 0, output: '[]' });
    expect(existsSync(missing)).toBe(false);
    expect(existsSync(join(directory, 'never'))).toBe(false);
  });

  it('says accounting is off when there is no database path', async () => {
    const { code, output } = await runAt(undefined, []);
    expect(code).toBe(1);
    expect(output).toContain('USAGE_DATABASE=off');
  });

  it('prints the help', async () => {
    expect(await run(['--help'])).toEqual({ code: 0, output: USAGE_COMMAND_HELP });
    expect((await runAt(undefined, ['-h'])).code).toBe(0);
  });

  it.each([
    [['--days', '0'], '--days must be a whole number from 1 to 100000, got "0"'],
    [['--days', 'x'], '--days must be a whole number'],
    [['--days', '3', '--from', '2025-01-01'], '--days cannot be combined with --from or --to'],
    [['--from', '2025-13-01'], '--from must be a date as YYYY-MM-DD (UTC), got "2025-13-01"'],
    [['--from', '2025-05-02', '--to', '2025-05-01'], '--from (2025-05-02) is after --to (2025-05-01)'],
    [['--frm', '2025-05-02'], "Unknown option '--frm'"],
    [['extra'], 'extra'],
    [['--key'], '--key'],
  ])('rejects %j with exit code 2', async (argv, message) => {
    const { code, output } = await run(argv);
    expect(code).toBe(2);
    expect(output).toContain(`claude-proxy usage: `);
    expect(output).toContain(message);
    expect(existsSync(databasePath)).toBe(false);
  });

  it('exits 1 when the file is not a usage database', async () => {
    writeFileSync(databasePath, 'not sqlite at all, just some text that is long enough to have a header');
    const { code, output } = await run([]);
    expect(code).toBe(1);
    expect(output).toContain(`cannot read ${databasePath}`);
  });
});
