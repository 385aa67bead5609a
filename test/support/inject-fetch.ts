/**
 * @module
 * A `fetch` that goes through Fastify's `app.inject` instead of a socket, so the official SDKs (their `fetch`
 * option) drive the whole HTTP stack in process, in milliseconds. The response arrives whole: streams are read after
 * the turn ended, which is what the SDKs' accumulators need.
 */
import type { FastifyInstance } from 'fastify';

export function injectFetch(app: FastifyInstance): typeof fetch {
  return async (input, init) => {
    const request = input instanceof Request ? input : undefined;
    const url = new URL(request?.url ?? String(input));
    const headers = Object.fromEntries(new Headers(init?.headers ?? request?.headers).entries());
    const body = init?.body ?? (request != null ? await request.text() : undefined);
    const response = await app.inject({
      method: (init?.method ?? request?.method ?? 'GET') as 'GET',
      url: `${url.pathname}${url.search}`,
      headers: { host: 'localhost', ...headers },
      ...(body != null ? { payload: typeof body === 'string' ? body : Buffer.from(await new Response(body).arrayBuffer()) } : {}),
    });
    const responseHeaders = new Headers();
    for (const [name, value] of Object.entries(response.headers)) {
      if (value == null) continue;
      for (const item of Array.isArray(value) ? value : [String(value)]) responseHeaders.append(name, item);
    }
    return new Response(response.statusCode === 204 ? null : response.rawPayload, { status: response.statusCode, headers: responseHeaders });
  };
}
