/**
 * @module
 * LOG_FORMAT=pretty: pino's JSON lines as short text for a terminal. A request's line leads with its status, API,
 * model and timings (format-request-log.ts); any other line is its time, level and message, then its fields.
 */
import { formatRequestLine, type RequestLogFields } from './format-request-log.ts';

const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
/** pino's own fields, shown in the line's head rather than among the fields. */
const HEAD_FIELDS = new Set(['level', 'time', 'pid', 'hostname', 'msg']);

export function formatLogLine(json: string): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json.trimEnd();
  }
  const time = typeof entry.time === 'number' ? new Date(entry.time).toISOString().slice(11, 19) : '--:--:--';
  const level = LEVELS[entry.level as number] ?? String(entry.level);
  if (entry.msg === 'request') return `${time} ${level.padEnd(5)} ${formatRequestLine(entry as Partial<RequestLogFields>)}`;
  const rest = Object.fromEntries(Object.entries(entry).filter(([name]) => !HEAD_FIELDS.has(name)));
  const fields = Object.keys(rest).length > 0 ? ` ${JSON.stringify(rest)}` : '';
  return `${time} ${level.padEnd(5)} ${String(entry.msg ?? '')}${fields}`;
}

/** A pino destination writing each line as text to `out` (stdout). */
export function createPrettyLogStream(out: { write(text: string): unknown }): { write(chunk: string): void } {
  return {
    write(chunk: string) {
      for (const line of chunk.split('\n')) if (line.trim() !== '') out.write(`${formatLogLine(line)}\n`);
    },
  };
}
