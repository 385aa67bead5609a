import { describe, expect, it } from 'vitest';
import { ProxyError } from '../errors.ts';
import { parseMcpServerNames, resolveMcpServers, urlIsAllowed, type McpServerConfig } from './mcp-servers.ts';

const REGISTRY = new Map<string, McpServerConfig>([
  ['neon', { name: 'neon', type: 'stdio', command: 'npx', args: ['neon-mcp'], env: { NEON_KEY: 'k' } }],
  ['docs', { name: 'docs', type: 'http', url: 'https://docs.example/mcp', headers: {} }],
]);

describe('resolveMcpServers', () => {
  it('gives the registry entries of the names a request asks for, once each', () => {
    expect(resolveMcpServers([{ name: 'docs' }, { name: 'neon' }, { name: 'docs' }], REGISTRY, []).map((server) => server.name)).toEqual(['docs', 'neon']);
  });

  it('refuses an unknown name with a 400 listing the available ones', () => {
    expect(() => resolveMcpServers([{ name: 'supabase' }], REGISTRY, [])).toThrow('unknown MCP server "supabase": available: neon, docs');
    expect(() => resolveMcpServers([{ name: 'x' }], new Map(), [])).toThrow('this proxy has no MCP servers configured (PROXY_MCP_CONFIG)');
  });

  it('runs a client-defined URL server only under a URL the operator allows', () => {
    const request = { name: 'mine', url: 'https://mcp.example/tools/mcp', headers: { Authorization: 'Bearer t' } };
    expect(() => resolveMcpServers([request], REGISTRY, [])).toThrow('the operator allows none: PROXY_MCP_ALLOWED_URLS');
    expect(resolveMcpServers([request], REGISTRY, ['https://mcp.example/tools'])).toEqual([
      { name: 'mine', type: 'http', url: 'https://mcp.example/tools/mcp', headers: { Authorization: 'Bearer t' } },
    ]);
  });

  it('refuses names the model could not be shown as mcp__<name>__<tool>', () => {
    for (const name of ['a b', 'x__y', 't', '']) expect(() => resolveMcpServers([{ name }], REGISTRY, [])).toThrow(ProxyError);
  });
});

describe('urlIsAllowed', () => {
  it('matches the same origin and a path under the allowed one, nothing else', () => {
    const allowed = ['https://mcp.example/tools'];
    expect(urlIsAllowed('https://mcp.example/tools', allowed)).toBe(true);
    expect(urlIsAllowed('https://mcp.example/tools/a', allowed)).toBe(true);
    expect(urlIsAllowed('https://mcp.example/toolsmith', allowed)).toBe(false);
    expect(urlIsAllowed('http://mcp.example/tools/a', allowed)).toBe(false);
    expect(urlIsAllowed('https://mcp.example.evil/tools', allowed)).toBe(false);
    expect(urlIsAllowed('not a url', allowed)).toBe(false);
  });
});

describe('parseMcpServerNames', () => {
  it('reads a comma-separated header, repeated or not', () => {
    expect(parseMcpServerNames(' neon, supabase ,')).toEqual(['neon', 'supabase']);
    expect(parseMcpServerNames(['a', 'b,c'])).toEqual(['a', 'b', 'c']);
    expect(parseMcpServerNames(undefined)).toEqual([]);
  });
});
