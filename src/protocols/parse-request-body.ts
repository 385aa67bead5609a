/**
 * @module
 * PURE. Validates an HTTP body against a protocol's request schema; a failure is a 400 naming the field. Before
 * the schema, the body's nesting is bounded: every later step (zod, JSON.stringify for the CLI's stdin, hashing)
 * walks values recursively, and a tool schema nested 10,000 deep made JSON.stringify throw a RangeError (a 500).
 */
import type { z } from 'zod';
import { ProxyError } from '../errors.ts';

/** Far deeper than any real request (a JSON schema, a tool input), far below what recursion can take. */
export const MAX_JSON_DEPTH = 128;

export function parseRequestBody<Schema extends z.ZodType>(schema: Schema, body: unknown): z.infer<Schema> {
  if (body == null || typeof body !== 'object' || Array.isArray(body)) {
    throw new ProxyError('invalid_request', 'the request body must be a JSON object');
  }
  const tooDeep = findTooDeepValue(body, MAX_JSON_DEPTH);
  if (tooDeep != null) fail(tooDeep, `nested more than ${MAX_JSON_DEPTH} levels deep`);
  const parsed = schema.safeParse(body, { reportInput: true });
  if (parsed.success) return parsed.data;
  const issue = deepestIssue(parsed.error.issues[0]!);
  const path = issue.path.map(String).join('.');
  const message = issue.code === 'invalid_type' && issue.input === undefined ? 'Field required' : issue.message;
  return fail(path, message);
}

interface Issue {
  code: string;
  path: PropertyKey[];
  message: string;
  input?: unknown;
  errors?: Issue[][];
}

/**
 * For a value that matched none of a union's options (a string or blocks, say), the problem inside the option it
 * came closest to, with its full path (`messages.0.content.0.content.0: expected object`), not "Invalid input".
 */
function deepestIssue(issue: Issue): Issue {
  if (issue.code !== 'invalid_union' || issue.errors == null) return issue;
  let best: Issue = issue;
  for (const option of issue.errors) {
    for (const inner of option) {
      const resolved = deepestIssue(inner);
      const candidate = { ...resolved, path: [...issue.path, ...resolved.path] };
      if (candidate.path.length > best.path.length) best = candidate;
    }
  }
  return best;
}

function fail(path: string, message: string): never {
  throw new ProxyError('invalid_request', path !== '' ? `${path}: ${message}` : message, path !== '' ? { param: path } : {});
}

/** One object or array being walked: its keys (for an object), the next one to visit, and its own key. */
interface Frame {
  value: Record<string, unknown> | unknown[];
  keys: string[] | undefined;
  next: number;
  key: string;
}

/**
 * The path of the first value nested deeper than `maxDepth` (objects and arrays). Depth first with a stack of
 * frames, not recursion: memory grows with the depth only, and the frames are the path.
 */
export function findTooDeepValue(root: unknown, maxDepth: number): string | undefined {
  if (root == null || typeof root !== 'object') return undefined;
  const frames: Frame[] = [frameOf(root, '')];
  while (frames.length > 0) {
    const frame = frames.at(-1)!;
    const size = frame.keys?.length ?? (frame.value as unknown[]).length;
    if (frame.next >= size) {
      frames.pop();
      continue;
    }
    const key = frame.keys != null ? frame.keys[frame.next]! : String(frame.next);
    frame.next += 1;
    const child = frame.keys != null ? (frame.value as Record<string, unknown>)[key] : (frame.value as unknown[])[Number(key)];
    if (child == null || typeof child !== 'object') continue;
    if (frames.length >= maxDepth) return [...frames.slice(1).map((open) => open.key), key].join('.');
    frames.push(frameOf(child, key));
  }
  return undefined;
}

function frameOf(value: object, key: string): Frame {
  return Array.isArray(value) ? { value, keys: undefined, next: 0, key } : { value: value as Record<string, unknown>, keys: Object.keys(value), next: 0, key };
}
