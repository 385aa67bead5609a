/**
 * @module
 * The real MCP "everything" server (@modelcontextprotocol/server-everything) over Streamable HTTP, on loopback, behind a
 * bearer token: a remote MCP server as a client defines one (Messages `mcp_servers`, a Responses `mcp` tool with
 * `server_url`). The package's own HTTP launcher binds every interface, so the transport is set up here.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
// @ts-expect-error the package ships JavaScript without declarations
import { createServer as createEverythingServer } from '@modelcontextprotocol/server-everything/dist/server/index.js';

export interface HttpMcpServer {
  url: string;
  /** Requests refused for a missing or wrong token. */
  refused: number;
  close: () => Promise<void>;
}

export async function startHttpMcpServer(token: string): Promise<HttpMcpServer> {
  const sessions = new Map<string, StreamableHTTPServerTransport>();
  const state = { refused: 0 };
  const server = createServer((request, response) => {
    void handle(request, response).catch(() => {
      if (!response.headersSent) response.writeHead(500).end();
    });
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (request.headers.authorization !== `Bearer ${token}`) {
      state.refused += 1;
      response.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"unauthorized"}');
      return;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = chunks.length > 0 ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown) : undefined;
    const sessionId = request.headers['mcp-session-id'];
    let transport = typeof sessionId === 'string' ? sessions.get(sessionId) : undefined;
    if (transport == null) {
      transport = new StreamableHTTPServerTransport({
        sessionIdGenerator: randomUUID,
        onsessioninitialized: (id) => {
          sessions.set(id, transport!);
        },
      });
      const everything = (createEverythingServer as () => { server: { connect: (transport: unknown) => Promise<void> } })();
      await everything.server.connect(transport);
    }
    await transport.handleRequest(request, response, body);
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    get refused() {
      return state.refused;
    },
    close: async () => {
      for (const transport of sessions.values()) await transport.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
