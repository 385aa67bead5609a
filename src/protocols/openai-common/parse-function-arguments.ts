/**
 * @module
 * PURE. A function call's `arguments` (a JSON object encoded as a string, in both OpenAI APIs) as a tool_use input.
 */
import { ProxyError } from '../../errors.ts';

export function parseFunctionArguments(text: string | null | undefined, path: string): Record<string, unknown> {
  if (text == null || text.trim() === '') return {};
  try {
    const value: unknown = JSON.parse(text);
    if (value != null && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw new ProxyError('invalid_request', `${path}: must be a JSON object encoded as a string`, { param: path });
}
