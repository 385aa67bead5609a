/**
 * @module
 * One turn for the usage stores' tests (SQLite and PostgreSQL alike): 12:00 UTC on 2025-05-10, key `cursor`.
 */
import type { UsageEntry } from '../../src/usage/usage-store.ts';

export function usageEntry(fields: Partial<UsageEntry> = {}): UsageEntry {
  return {
    at: Date.UTC(2025, 4, 10, 12),
    key: 'cursor',
    model: 'claude-sonnet-4-5',
    inputTokens: 10,
    outputTokens: 20,
    cacheReadInputTokens: 30,
    cacheCreationInputTokens: 40,
    ok: true,
    ...fields,
  };
}
