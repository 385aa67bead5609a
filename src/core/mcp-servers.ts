/**
 * @module
 * PURE. MCP servers the CLI runs for a request: the operator's registry (PROXY_MCP_CONFIG, the format of Claude
 * Code's own `.mcp.json`), the servers a request asks for (by name, or a URL it defines), and the check that turns
 * the one into the other. A client names servers; it never makes the proxy's host start a command or connect to a URL
 * the operator did not list (docs/decisions/0022-mcp-servers-run-by-the-cli.md).
 */
import { z } from 'zod';
import { ProxyError, quoteClientValue } from '../errors.ts';

/** One server as the CLI's `--mcp-config` takes it; credentials stay in `env` / `headers`, never on a command line. */
export type McpServerConfig =
  | { name: string; type: 'stdio'; command: string; args: readonly string[]; env: Readonly<Record<string, string>> }
  | { name: string; type: 'http' | 'sse'; url: string; headers: Readonly<Record<string, string>> };

/** A server as a request asks for it: a registry name, or a server at a URL the request defines. */
export interface McpServerRequest {
  name: string;
  /** Set for a server the client defines (Messages `mcp_servers`, a Responses `mcp` tool with `server_url`). */
  url?: string | undefined;
  headers?: Readonly<Record<string, string>> | undefined;
}

/**
 * Names the model sees as `mcp__<name>__<tool>`: letters, digits, `-` and `_`, no `__` (the CLI would split the tool
 * name there), and not `t`, the proxy's own server for the client's tools (client-tool-names.ts).
 */
const SERVER_NAME = /^[A-Za-z0-9_-]{1,64}$/;
const RESERVED_NAMES = new Set(['t']);

export function mcpServerNameProblem(name: string): string | undefined {
  if (!SERVER_NAME.test(name)) return 'must be 1 to 64 letters, digits, "-" or "_"';
  if (name.includes('__')) return 'must not contain "__"';
  if (RESERVED_NAMES.has(name)) return `"${name}" is reserved for the client's own tools`;
  return undefined;
}

const stringRecord = z.record(z.string(), z.string());
const stdioEntry = z.looseObject({
  type: z.literal('stdio').optional(),
  command: z.string().min(1),
  args: z.array(z.string()).optional(),
  env: stringRecord.optional(),
});
const remoteEntry = z.looseObject({ type: z.enum(['http', 'sse']).optional(), url: z.url(), headers: stringRecord.optional() });
const registryEntry = z.union([stdioEntry, remoteEntry]);
const registrySchema = z.looseObject({ mcpServers: z.record(z.string(), registryEntry) });

/**
 * The registry from the JSON text of PROXY_MCP_CONFIG: `{"mcpServers":{"<name>":{"command","args","env"}}}` for
 * servers the CLI starts, `{"<name>":{"type":"http"|"sse","url","headers"}}` for remote ones. Throws an Error whose
 * message says what is wrong and where.
 * @example parseMcpRegistry('{"mcpServers":{"docs":{"command":"npx","args":["-y","docs-mcp"]}}}').get('docs')?.type // 'stdio'
 */
export function parseMcpRegistry(text: string): ReadonlyMap<string, McpServerConfig> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`not JSON (${(error as Error).message})`);
  }
  const parsed = registrySchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(
      `${issue.path.join('.') || '(top level)'}: ${issue.message} (expected {"mcpServers":{"<name>":{"command","args","env"} or {"url","headers"}}})`,
    );
  }
  const registry = new Map<string, McpServerConfig>();
  for (const [name, entry] of Object.entries(parsed.data.mcpServers)) {
    const problem = mcpServerNameProblem(name);
    if (problem != null) throw new Error(`mcpServers.${name}: the name ${problem}`);
    const stdio = stdioEntry.safeParse(entry);
    if (stdio.success) {
      registry.set(name, { name, type: 'stdio', command: stdio.data.command, args: stdio.data.args ?? [], env: stdio.data.env ?? {} });
    } else {
      const remote = remoteEntry.parse(entry);
      registry.set(name, { name, type: remote.type ?? 'http', url: remote.url, headers: remote.headers ?? {} });
    }
  }
  return registry;
}

/** Server names from a comma-separated header (`x-mcp-servers: neon, supabase`). */
export function parseMcpServerNames(header: string | readonly string[] | undefined): string[] {
  if (header == null) return [];
  return (typeof header === 'string' ? [header] : header)
    .flatMap((value) => value.split(','))
    .map((name) => name.trim())
    .filter((name) => name.length > 0);
}

/** Whether an operator's allowed URL (PROXY_MCP_ALLOWED_URLS) covers a URL: the same origin, and the path under it. */
export function urlIsAllowed(url: string, allowed: readonly string[]): boolean {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return false;
  }
  return allowed.some((entry) => {
    const prefix = new URL(entry);
    if (prefix.origin !== target.origin) return false;
    const path = prefix.pathname.endsWith('/') ? prefix.pathname : `${prefix.pathname}/`;
    return target.pathname === prefix.pathname || target.pathname.startsWith(path) || prefix.pathname === '/';
  });
}

/**
 * The servers a request runs with, or a 400: an unknown name lists the available ones; a URL server must be under a
 * URL the operator allows (none by default: a client must not make the proxy's host connect anywhere).
 */
export function resolveMcpServers(
  requests: readonly McpServerRequest[],
  registry: ReadonlyMap<string, McpServerConfig>,
  allowedUrls: readonly string[],
): McpServerConfig[] {
  const resolved = new Map<string, McpServerConfig>();
  for (const request of requests) {
    const problem = mcpServerNameProblem(request.name);
    if (problem != null) throw new ProxyError('invalid_request', `MCP server name ${quoteClientValue(request.name)}: ${problem}`, { param: 'mcp_servers' });
    const server = request.url != null ? urlServer(request, allowedUrls) : registryServer(request.name, registry);
    const earlier = resolved.get(server.name);
    if (earlier != null && JSON.stringify(earlier) !== JSON.stringify(server)) {
      throw new ProxyError('invalid_request', `MCP server ${quoteClientValue(server.name)} is given twice with different settings`, { param: 'mcp_servers' });
    }
    resolved.set(server.name, server);
  }
  return [...resolved.values()];
}

function registryServer(name: string, registry: ReadonlyMap<string, McpServerConfig>): McpServerConfig {
  const server = registry.get(name);
  if (server != null) return server;
  const available = [...registry.keys()];
  throw new ProxyError(
    'invalid_request',
    `unknown MCP server ${quoteClientValue(name)}: ` +
      (available.length > 0 ? `available: ${available.join(', ')}` : 'this proxy has no MCP servers configured (PROXY_MCP_CONFIG)'),
    { param: 'mcp_servers' },
  );
}

function urlServer(request: McpServerRequest, allowedUrls: readonly string[]): McpServerConfig {
  const url = request.url!;
  if (!urlIsAllowed(url, allowedUrls)) {
    throw new ProxyError(
      'invalid_request',
      `MCP server ${quoteClientValue(request.name)}: the URL is not one this proxy may connect to` +
        (allowedUrls.length > 0 ? '' : ' (the operator allows none: PROXY_MCP_ALLOWED_URLS); name a configured server instead'),
      { param: 'mcp_servers' },
    );
  }
  return { name: request.name, type: 'http', url, headers: request.headers ?? {} };
}
