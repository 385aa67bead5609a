/**
 * @module
 * `claude-proxy usage`: prints the recorded usage per key and model for a range of UTC days, as a table or as JSON
 * rows. It reads the database a running proxy writes to (WAL lets both work at once) and never creates one.
 */
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { formatUsageTable } from './format-usage-table.ts';
import { addUtcDays, openUsageStore, parseUtcDay, utcDayOf, type UsageQuery, type UsageStore } from './usage-store.ts';

export const USAGE_COMMAND_HELP = `Usage: claude-proxy usage [--days N | --from YYYY-MM-DD --to YYYY-MM-DD] [--key NAME] [--model NAME] [--json]

Prints the tokens and requests the proxy recorded, per API key name and model, summed over a range of UTC days.

  --days N            the last N UTC days, today included (default: 30)
  --from YYYY-MM-DD   first day (UTC), inclusive (default: 29 days before --to)
  --to YYYY-MM-DD     last day (UTC), inclusive (default: today)
  --key NAME          only this key name (\`-\` for requests made without keys)
  --model NAME        only this model
  --json              the rows per day, key and model, as a JSON array
  --help              this text

The database is the file USAGE_DATABASE names; USAGE_DATABASE=off turns usage accounting off.`;

const DEFAULT_DAYS = 30;
/** Far more than anyone keeps, and far from where Date runs out of range. */
const MAX_DAYS = 100_000;

class ArgumentError extends Error {}

interface UsageCommandOptions {
  filter: Required<Pick<UsageQuery, 'from' | 'to'>> & Pick<UsageQuery, 'key' | 'model'>;
  json: boolean;
  help: boolean;
}

function parseDay(text: string, name: string): string {
  try {
    parseUtcDay(text, name);
  } catch (error) {
    throw new ArgumentError(error instanceof Error ? error.message : String(error));
  }
  return text;
}

/** The options of `argv`, the arguments after `usage`; throws an ArgumentError on anything it does not understand. */
export function parseUsageArguments(argv: readonly string[], now: number): UsageCommandOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        days: { type: 'string' },
        from: { type: 'string' },
        to: { type: 'string' },
        key: { type: 'string' },
        model: { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new ArgumentError(error instanceof Error ? error.message : String(error));
  }
  const today = utcDayOf(now);
  let from: string;
  let to: string;
  if (values.days != null) {
    if (values.from != null || values.to != null) throw new ArgumentError('--days cannot be combined with --from or --to');
    if (!/^\d+$/.test(values.days) || Number(values.days) < 1 || Number(values.days) > MAX_DAYS) {
      throw new ArgumentError(`--days must be a whole number from 1 to ${MAX_DAYS}, got ${JSON.stringify(values.days)}`);
    }
    to = today;
    from = addUtcDays(today, 1 - Number(values.days));
  } else {
    to = values.to != null ? parseDay(values.to, '--to') : today;
    from = values.from != null ? parseDay(values.from, '--from') : addUtcDays(to, 1 - DEFAULT_DAYS);
    if (from > to) throw new ArgumentError(`--from (${from}) is after --to (${to})`);
  }
  return { filter: { from, to, key: values.key, model: values.model }, json: values.json === true, help: values.help === true };
}

function describeFilter(filter: UsageCommandOptions['filter']): string {
  const only = [filter.key != null ? `key ${filter.key}` : undefined, filter.model != null ? `model ${filter.model}` : undefined].filter(
    (part) => part != null,
  );
  return `Usage from ${filter.from} to ${filter.to} (UTC)${only.length > 0 ? `, ${only.join(', ')}` : ''}:`;
}

/**
 * Runs `claude-proxy usage` with `argv` (the arguments after `usage`) against the database at `databasePath`
 * (undefined: accounting is off), printing through `print`. Returns the exit code: 0 done, 1 no database or it could
 * not be read, 2 bad arguments.
 */
/**
 * `databasePath`: the SQLite file; `openShared`: the PostgreSQL store a fleet shares (USAGE_DATABASE_URL), which
 * takes precedence when set.
 */
export async function runUsageCommand(
  argv: readonly string[],
  databasePath: string | undefined,
  print: (line: string) => void,
  now: number,
  openShared?: { location: string; open: () => Promise<UsageStore> },
): Promise<number> {
  let options: UsageCommandOptions;
  try {
    options = parseUsageArguments(argv, now);
  } catch (error) {
    if (!(error instanceof ArgumentError)) throw error;
    print(`claude-proxy usage: ${error.message}`);
    print('Run `claude-proxy usage --help` for the options.');
    return 2;
  }
  if (options.help) {
    print(USAGE_COMMAND_HELP);
    return 0;
  }
  if (openShared != null) return printRows(options, print, openShared.location, openShared.open);
  if (databasePath == null) {
    print('Usage accounting is off (USAGE_DATABASE=off): there is no usage to show. Set USAGE_DATABASE to a file path to record it.');
    return 1;
  }
  // Opening would create the file: a typo in the path, or a proxy that never ran, must not leave an empty database.
  if (databasePath !== ':memory:' && !existsSync(databasePath)) {
    if (options.json) {
      print('[]');
    } else {
      print(`No usage was recorded yet at ${databasePath}.`);
      print(formatUsageTable([]));
    }
    return 0;
  }
  return printRows(options, print, databasePath, async () => openUsageStore(databasePath));
}

async function printRows(options: UsageCommandOptions, print: (line: string) => void, location: string, open: () => Promise<UsageStore>): Promise<number> {
  let rows;
  try {
    const store = await open();
    try {
      rows = await store.query(options.filter);
    } finally {
      await store.close();
    }
  } catch (error) {
    print(`claude-proxy usage: cannot read ${location}: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
  if (options.json) {
    print(JSON.stringify(rows, null, 2));
  } else {
    print(describeFilter(options.filter));
    print(formatUsageTable(rows));
  }
  return 0;
}
