/**
 * @module
 * What the CLI under test resolves each model alias to (measured on each end of the tested range): the e2e tests
 * expect the upstream ids of the CLI they run, whichever it is (TEST_CLAUDE_PATH).
 */
import { compareVersions } from '../../src/cli/tested-cli-versions.ts';
import { CLI_VERSION } from './start-test-proxy.ts';

const ALIASES: { from: string; ids: Record<string, string> }[] = [
  { from: '2.1.332', ids: { opus: 'claude-opus-5-5', sonnet: 'claude-sonnet-5-5', haiku: 'claude-haiku-5-5', fable: 'claude-fable-5-2' } },
  { from: '2.1.197', ids: { opus: 'claude-opus-4-8', sonnet: 'claude-sonnet-5', haiku: 'claude-haiku-4-5-20251001', fable: 'claude-fable-5' } },
];

export function aliasId(alias: 'opus' | 'sonnet' | 'haiku' | 'fable'): string {
  const table = ALIASES.find((entry) => compareVersions(CLI_VERSION, entry.from) >= 0) ?? ALIASES.at(-1)!;
  return table.ids[alias]!;
}
