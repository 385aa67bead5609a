/**
 * @module
 * Whether a recorded CLI line has a given top-level `type`, read from its JSON: the CLI's key order changes between
 * versions (2.1.332 writes a result line's `type` last), so a prefix test would miss lines.
 */
export function isLineOfType(line: string, type: string): boolean {
  try {
    return (JSON.parse(line) as { type?: unknown }).type === type;
  } catch {
    return false;
  }
}
