/**
 * @module
 * Turns usage rows into a fixed-width text table for a terminal: one line per key and model over the whole period
 * (the days summed), then the total. Pure: rows in, text out.
 */
import type { UsageRow } from './usage-store.ts';

/** A key and model's usage summed over the rows' days. */
export type UsageSummary = Omit<UsageRow, 'date'>;

const COUNT_FIELDS = ['requests', 'errors', 'input_tokens', 'output_tokens', 'cache_read_input_tokens', 'cache_creation_input_tokens'] as const;

const HEADERS = ['key', 'model', 'requests', 'errors', 'input', 'output', 'cache read', 'cache write'] as const;

/** Text columns read best left-aligned, numbers right-aligned so that their digits line up. */
const LEFT_ALIGNED = 2;

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Sums the rows per key and model, ordered by key, then model. */
export function summarizeUsage(rows: readonly UsageRow[]): UsageSummary[] {
  const byKeyAndModel = new Map<string, UsageSummary>();
  for (const row of rows) {
    // JSON of the pair: a key name may contain any separator one could pick.
    const id = JSON.stringify([row.key, row.model]);
    let summary = byKeyAndModel.get(id);
    if (summary == null) {
      summary = {
        key: row.key,
        model: row.model,
        requests: 0,
        errors: 0,
        input_tokens: 0,
        output_tokens: 0,
        cache_read_input_tokens: 0,
        cache_creation_input_tokens: 0,
      };
      byKeyAndModel.set(id, summary);
    }
    for (const field of COUNT_FIELDS) summary[field] += row[field];
  }
  return [...byKeyAndModel.values()].sort((a, b) => compareText(a.key, b.key) || compareText(a.model, b.model));
}

/** 1234567 → "1,234,567"; written out rather than toLocaleString so the output is the same on every locale and ICU build. */
export function formatCount(value: number): string {
  const [whole = '', fraction] = String(value).split('.');
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return fraction == null ? grouped : `${grouped}.${fraction}`;
}

function cellsOf(summary: UsageSummary): string[] {
  return [summary.key, summary.model, ...COUNT_FIELDS.map((field) => formatCount(summary[field]))];
}

/** The table, lines joined by "\n" without a final newline; an explanatory line when there are no rows. */
export function formatUsageTable(rows: readonly UsageRow[]): string {
  const summaries = summarizeUsage(rows);
  if (summaries.length === 0) return 'No usage recorded for this period.';
  const total: UsageSummary = {
    key: 'total',
    model: '',
    requests: 0,
    errors: 0,
    input_tokens: 0,
    output_tokens: 0,
    cache_read_input_tokens: 0,
    cache_creation_input_tokens: 0,
  };
  for (const summary of summaries) for (const field of COUNT_FIELDS) total[field] += summary[field];

  const body = summaries.map(cellsOf);
  const footer = cellsOf(total);
  const widths = HEADERS.map((header, column) => Math.max(header.length, footer[column]?.length ?? 0, ...body.map((cells) => cells[column]?.length ?? 0)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, column) => (column < LEFT_ALIGNED ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0)))
      .join('  ')
      .trimEnd();
  const rule = widths.map((width) => '-'.repeat(width)).join('  ');
  return [line(HEADERS), rule, ...body.map(line), rule, line(footer)].join('\n');
}
