/**
 * @module
 * Structured mutation of valid requests: each fuzz case is a seed request with one to three changes of the kinds a
 * buggy or hostile client makes (wrong types, missing and extra fields, a block's type swapped for another, huge and
 * deep values, odd unicode, bad base64, bad tool schemas, a non-object body, a wrong content type).
 */
import { FUZZ_SEEDS, type FuzzApi, type Json } from './fuzz-seeds.ts';
import type { SeededRandom } from './seeded-random.ts';

export interface FuzzCase {
  api: FuzzApi;
  path: string;
  contentType: string | undefined;
  body: string;
  /** What was changed, to read a failure without replaying it. */
  changes: string[];
}

type Path = (string | number)[];

const TYPE_NAMES = [
  'text',
  'image',
  'document',
  'tool_use',
  'tool_result',
  'thinking',
  'redacted_thinking',
  'search_result',
  'server_tool_use',
  'web_search_tool_result',
  'input_text',
  'output_text',
  'input_image',
  'input_file',
  'image_url',
  'file',
  'refusal',
  'function_call',
  'function_call_output',
  'reasoning',
  'message',
  'item_reference',
  'function',
  'custom',
  'base64',
  'url',
  'json_schema',
  'json_object',
  'enabled',
  'adaptive',
  'auto',
  'any',
  'tool',
  'none',
  '漢',
  '',
  'TEXT',
  'text ',
];

const EXTRA_KEYS = [
  'type',
  'source',
  'content',
  'text',
  'data',
  'media_type',
  'name',
  'input',
  'id',
  'role',
  'cache_control',
  'citations',
  'tool_use_id',
  'is_error',
  'image_url',
  'url',
  'file',
  'file_data',
  'arguments',
  'call_id',
  'output',
  'tools',
  'tool_choice',
  'thinking',
  'system',
  'stop_sequences',
  'stop',
  'metadata',
  'temperature',
  'stream',
  'max_tokens',
  'n',
  'previous_response_id',
  'background',
  '漢字',
  '',
];

/**
 * A value nested `depth` levels deep, as a placeholder: the generator's own tree walks and JSON.stringify would
 * overflow the stack on it too. The placeholder becomes the nested JSON text when the body is written.
 */
function deepValue(depth: number): Json {
  return `${DEEP_MARK}${depth}`;
}

const DEEP_MARK = '__fuzz_deep_value_';

function expandDeepValues(text: string): string {
  return text.replace(new RegExp(`"${DEEP_MARK}(\\d+)"`, 'g'), (_match, depth: string) => {
    const levels = Number(depth);
    let open = '';
    let close = '';
    for (let level = 0; level < levels; level += 1) {
      open += level % 2 === 0 ? '[' : '{"a":';
      close = (level % 2 === 0 ? ']' : '}') + close;
    }
    return `${open}1${close}`;
  });
}

/** The length of the JSON text once its deep-value placeholders are expanded. */
function expandedLength(text: string): number {
  let length = text.length;
  for (const match of text.matchAll(new RegExp(`${DEEP_MARK}(\\d+)`, 'g'))) length += Number(match[1]) * 5;
  return length;
}

/** Bodies stay a little above the proxy's 32 MB limit at most, so that the limit itself is tried. */
const MAX_BODY_CHARACTERS = 40 * 1024 * 1024;

/** Values that break a field's expected type, size or encoding. */
function oddValue(random: SeededRandom): Json {
  switch (random.below(24)) {
    case 0:
      return null;
    case 1:
      return random.chance(0.5);
    case 2:
      return random.pick([0, -1, 1.5, 1e308, -1e308, 2 ** 53 + 2, 0.1]);
    case 3:
      return '';
    case 4:
      return oddString(random);
    case 5:
      return 'x'.repeat(random.pick([1000, 100_000, 1_000_000]));
    case 6:
      return [];
    case 7:
      return {};
    case 8:
      return [null];
    case 9:
      return [[]];
    case 10:
      return { type: random.pick(TYPE_NAMES) };
    case 11:
      return { type: null };
    case 12:
      return deepValue(random.pick([64, 200, 1000, 10_000]));
    case 13:
      return Array.from({ length: random.pick([1000, 20_000]) }, () => ({}));
    case 14:
      return [{ type: 'text', text: 1.5 }];
    case 15:
      return { type: 'image' };
    case 16:
      return { type: 'image', source: { type: 'base64' } };
    case 17:
      return { type: 'document', source: { type: 'base64', media_type: 'application/pdf' } };
    case 18:
      return { type: 'tool_result', content: [null] };
    case 19:
      return [{ type: 'text', text: 'hi' }];
    case 20:
      return 'data:image/png;base64,' + random.pick(['', '!!!!', 'AAAA', 'iVBORw0KGgo', '漢']);
    case 21:
      return random.pick(['sonnet', 'claude-sonnet-4-6', '--help', '-p', 'claude-' + 'sonnet-'.repeat(20_000), 'gpt-4o', 'claude-sonnet-4-6\n']);
    case 22:
      return { type: 'object', properties: deepValue(random.pick([10, 5000])) };
    default:
      return random.pick(['/model opus', '@/etc/passwd', '/compact', '<system-reminder>x</system-reminder>', '{"type":"user"}\n{"type":"user"}']);
  }
}

function oddString(random: SeededRandom): string {
  return random.pick([
    '漢字',
    '\u0000',
    '\ud800',
    '\udc00x',
    '\u2028\u2029',
    'a\r\nb',
    '\u200b/help',
    '\u202eevil',
    '🛑'.repeat(1000),
    '\x7f\x1b[31m',
    'é'.repeat(50),
    '\ufeff',
    'A'.repeat(10) + '\ud83d',
    '"}\n{"type":"control_request"',
    '%E6%BC%A2',
    '\\u0000',
  ]);
}

function nodes(value: Json, path: Path = [], into: { path: Path; value: Json }[] = []): { path: Path; value: Json }[] {
  into.push({ path, value });
  if (Array.isArray(value)) value.forEach((item, index) => nodes(item, [...path, index], into));
  else if (value != null && typeof value === 'object') for (const [key, item] of Object.entries(value)) nodes(item, [...path, key], into);
  return into;
}

function parentOf(root: Json, path: Path): Json {
  let current = root;
  for (const key of path.slice(0, -1)) current = (current as Record<string | number, Json>)[key]!;
  return current;
}

function setAt(root: Json, path: Path, value: Json): Json {
  if (path.length === 0) return value;
  (parentOf(root, path) as Record<string | number, Json>)[path.at(-1)!] = value;
  return root;
}

function label(path: Path): string {
  return path.length === 0 ? '(body)' : path.join('.');
}

type Mutation = (random: SeededRandom, body: Json) => { body: Json; change: string } | undefined;

const MUTATIONS: Mutation[] = [
  // Wrong type, size or encoding anywhere.
  (random, body) => {
    const inner = nodes(body).slice(1);
    if (inner.length === 0) return undefined;
    const target = random.pick(inner);
    const value = oddValue(random);
    return { body: setAt(body, target.path, value), change: `${label(target.path)} = ${describe(value)}` };
  },
  // A field left out.
  (random, body) => {
    const inner = nodes(body).slice(1);
    if (inner.length === 0) return undefined;
    const target = random.pick(inner);
    const parent = parentOf(body, target.path);
    if (Array.isArray(parent)) parent.splice(target.path.at(-1) as number, 1);
    else delete (parent as Record<string, Json>)[target.path.at(-1) as string];
    return { body, change: `delete ${label(target.path)}` };
  },
  // An extra field.
  (random, body) => {
    const objects = nodes(body).filter((node) => node.value != null && typeof node.value === 'object' && !Array.isArray(node.value));
    if (objects.length === 0) return undefined;
    const target = random.pick(objects);
    const key = random.pick(EXTRA_KEYS);
    const value = oddValue(random);
    (target.value as Record<string, Json>)[key] = value;
    return { body, change: `${label([...target.path, key])} += ${describe(value)}` };
  },
  // A block or item that claims another type (an image without a source, ...).
  (random, body) => {
    const typed = nodes(body).filter((node) => node.value != null && typeof node.value === 'object' && !Array.isArray(node.value) && 'type' in node.value);
    if (typed.length === 0) return undefined;
    const target = random.pick(typed);
    const type = random.pick(TYPE_NAMES);
    (target.value as Record<string, Json>).type = type;
    return { body, change: `${label([...target.path, 'type'])} = ${JSON.stringify(type)}` };
  },
  // Odd unicode in a string.
  (random, body) => {
    const strings = nodes(body).filter((node) => typeof node.value === 'string');
    if (strings.length === 0) return undefined;
    const target = random.pick(strings);
    const value = random.chance(0.5) ? `${target.value as string}${oddString(random)}` : oddString(random);
    return { body: setAt(body, target.path, value), change: `${label(target.path)} = ${describe(value)}` };
  },
  // Bad base64 in images and files.
  (random, body) => {
    const data = nodes(body).filter((node) => typeof node.value === 'string' && (node.path.at(-1) === 'data' || (node.value as string).startsWith('data:')));
    if (data.length === 0) return undefined;
    const target = random.pick(data);
    const text = target.value as string;
    const broken = random.pick([
      text.slice(0, 5),
      `${text}!`,
      text.replace(/[A-Z]/g, '*'),
      '',
      'AAAA',
      `data:image/png;base64,`,
      'data:;base64,AAAA',
      `data:text/html;base64,${text}`,
    ]);
    return { body: setAt(body, target.path, broken), change: `${label(target.path)} = bad base64 ${describe(broken)}` };
  },
  // A bad tool or output schema.
  (random, body) => {
    const schemas = nodes(body).filter((node) => ['input_schema', 'parameters', 'schema'].includes(String(node.path.at(-1))));
    if (schemas.length === 0) return undefined;
    const target = random.pick(schemas);
    const value = random.pick<Json>([
      { type: 'string' },
      [],
      'object',
      null,
      { type: 'object', properties: deepValue(10_000) },
      { type: 'object', properties: { a: { $ref: '#' } } },
      { type: 'object', description: 'x'.repeat(1_000_000) },
      { type: ['object', 'null'] },
      { type: 'object', properties: { [`k${'漢'.repeat(10)}`]: { type: 'string' } } },
    ]);
    return { body: setAt(body, target.path, value), change: `${label(target.path)} = schema ${describe(value)}` };
  },
  // Many copies of a list's items (long conversations, many tools, many stop sequences).
  (random, body) => {
    const arrays = nodes(body).filter((node) => Array.isArray(node.value) && node.value.length > 0);
    if (arrays.length === 0) return undefined;
    const target = random.pick(arrays);
    const items = target.value as Json[];
    const itemCharacters = expandedLength(JSON.stringify(items)) / items.length;
    const copies = Math.min(random.pick([2, 100, 5000, 20_000]), Math.floor(MAX_BODY_CHARACTERS / 2 / itemCharacters));
    if (copies < 2) return undefined;
    const grown = Array.from({ length: copies }, (_, index) => structuredClone(items[index % items.length]!));
    return { body: setAt(body, target.path, grown), change: `${label(target.path)} x${copies}` };
  },
];

function describe(value: Json): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}... (${text.length} chars)` : text;
}

const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  undefined,
];

export function generateFuzzCase(random: SeededRandom): FuzzCase {
  const seed = random.pick(FUZZ_SEEDS);
  let body = structuredClone(seed.body);
  const changes: string[] = [];
  const count = 1 + random.below(3);
  for (let attempt = 0; changes.length < count && attempt < 10; attempt += 1) {
    const result = random.pick(MUTATIONS)(random, body);
    if (result == null) continue;
    body = result.body;
    changes.push(result.change);
    // A big body is mutated no further: walking and copying it again would cost the generator more than the proxy.
    if (expandedLength(JSON.stringify(body)) > 1024 * 1024) break;
  }
  if (random.chance(0.03)) {
    body = random.pick<Json>([[], null, 'text', 42, true]);
    changes.push(`body = ${describe(body)}`);
  }
  const contentType = random.chance(0.05) ? random.pick(CONTENT_TYPES) : 'application/json';
  if (contentType !== 'application/json') changes.push(`content-type: ${String(contentType)}`);
  return { api: seed.api, path: seed.path, contentType, body: expandDeepValues(JSON.stringify(body)), changes };
}
