/**
 * @module
 * PURE. A message_delta's usage applied to the usage so far. Its counters are cumulative (the SDK's MessageStream
 * treats them so): each one present overwrites, each one absent keeps its value.
 */
import type { MessageDeltaUsage, Usage } from '@anthropic-ai/sdk/resources/messages';

const COUNTERS = ['input_tokens', 'output_tokens', 'cache_read_input_tokens', 'cache_creation_input_tokens'] as const;

export function applyUsageDelta(usage: Partial<Usage>, delta: MessageDeltaUsage): void {
  const counters = delta as Partial<Usage>;
  for (const key of COUNTERS) {
    if (counters[key] != null) usage[key] = counters[key];
  }
}
