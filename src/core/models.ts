/**
 * @module
 * PURE. Which model names the proxy accepts and what it lists. The aliases are the CLI's own: it resolves them, and
 * each version to other models (docs/cli-versions.md). The table below is CLI 2.1.332's; the runner reads the id a
 * process actually resolved from its `system/init` line, so the table is only a fallback.
 */
import { ProxyError, quoteClientValue } from '../errors.ts';

export interface ModelEntry {
  id: string;
  displayName: string;
  /** What the CLI sends upstream for this id (same as id for full ids). */
  resolvesTo: string;
}

/** Aliases the CLI resolves itself, with what 2.1.332 resolves them to (2.1.197: opus-4-8, sonnet-5, haiku-4-5, fable-5). */
const CLI_ALIASES: Record<string, string> = {
  opus: 'claude-opus-5-5',
  sonnet: 'claude-sonnet-5-5',
  haiku: 'claude-haiku-5-5',
  fable: 'claude-fable-5-2',
  best: 'claude-opus-5-5',
  opusplan: 'claude-sonnet-5-5',
  default: 'claude-opus-5-5',
  'opus[1m]': 'claude-opus-5-5',
  'sonnet[1m]': 'claude-sonnet-5-5',
};

const FAMILIES = ['opus', 'sonnet', 'haiku', 'fable'] as const;

/** Listed by GET /v1/models: the family aliases and the full ids they stand for, plus current full ids. */
export const MODEL_CATALOGUE: readonly ModelEntry[] = [
  { id: 'claude-opus-5-5', displayName: 'Claude Opus 5.5', resolvesTo: 'claude-opus-5-5' },
  { id: 'claude-sonnet-5-5', displayName: 'Claude Sonnet 5.5', resolvesTo: 'claude-sonnet-5-5' },
  { id: 'claude-haiku-5-5', displayName: 'Claude Haiku 5.5', resolvesTo: 'claude-haiku-5-5' },
  { id: 'claude-fable-5-2', displayName: 'Claude Fable 5.2', resolvesTo: 'claude-fable-5-2' },
  { id: 'claude-opus-4-8', displayName: 'Claude Opus 4.8', resolvesTo: 'claude-opus-4-8' },
  { id: 'claude-sonnet-5', displayName: 'Claude Sonnet 5', resolvesTo: 'claude-sonnet-5' },
  { id: 'claude-haiku-4-5-20251001', displayName: 'Claude Haiku 4.5', resolvesTo: 'claude-haiku-4-5-20251001' },
  { id: 'claude-fable-5', displayName: 'Claude Fable 5', resolvesTo: 'claude-fable-5' },
  { id: 'claude-sonnet-4-6', displayName: 'Claude Sonnet 4.6', resolvesTo: 'claude-sonnet-4-6' },
  { id: 'claude-sonnet-4-5', displayName: 'Claude Sonnet 4.5', resolvesTo: 'claude-sonnet-4-5' },
  { id: 'opus', displayName: 'Opus (latest, via the CLI alias)', resolvesTo: CLI_ALIASES.opus! },
  { id: 'sonnet', displayName: 'Sonnet (latest, via the CLI alias)', resolvesTo: CLI_ALIASES.sonnet! },
  { id: 'haiku', displayName: 'Haiku (latest, via the CLI alias)', resolvesTo: CLI_ALIASES.haiku! },
];

/** Longer than any Claude model id (they are under 40 characters). */
const MAX_MODEL_ID_LENGTH = 100;

const STRIPPED_PREFIXES = ['claude-code-cli/', 'anthropic/', 'openai/'];

/** A family name with a version but without `claude-` (`sonnet-4-7`, `opus-5`), as the original claude-code-proxy took it. */
const BARE_FAMILY_VERSION = /^(opus|sonnet|haiku|fable)-\d[a-z0-9.-]*$/i;

/**
 * The CLI --model value for a client's model name, or a 400: never a silent fallback to another model.
 * @example resolveModel('anthropic/claude-sonnet-4-6') // 'claude-sonnet-4-6'
 */
export function resolveModel(requested: string): string {
  let name = requested.trim();
  for (const prefix of STRIPPED_PREFIXES) {
    if (name.toLowerCase().startsWith(prefix)) name = name.slice(prefix.length);
  }
  if (BARE_FAMILY_VERSION.test(name)) name = `claude-${name}`;
  const lower = name.toLowerCase();
  if (Object.hasOwn(CLI_ALIASES, lower)) return lower;
  // The name goes on the CLI's command line: ASCII only (tested on the name itself, not its lower case, which
  // would let a Kelvin sign through as a k), and short.
  if (name.length <= MAX_MODEL_ID_LENGTH && /^claude-[a-z0-9.[\]-]+$/i.test(name) && FAMILIES.some((family) => lower.split(/[-[\]]/).includes(family))) {
    return name;
  }
  throw new ProxyError(
    'invalid_request',
    `model: unknown model ${quoteClientValue(requested)}. Use opus, sonnet or haiku, or a full Claude model id such as claude-sonnet-4-6.`,
    { param: 'model' },
  );
}

/**
 * The model id the CLI sends upstream for a --model value. Replayed assistant messages carry it: the CLI drops
 * the thinking blocks of messages from another model (their signatures belong to that model; measured).
 */
export function upstreamModelId(cliModel: string): string {
  return CLI_ALIASES[cliModel.toLowerCase()] ?? cliModel;
}

export function findModel(id: string): ModelEntry | undefined {
  return MODEL_CATALOGUE.find((entry) => entry.id === id);
}
