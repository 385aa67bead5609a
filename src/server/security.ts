/**
 * @module
 * Who may use the proxy. With keys (PROXY_API_KEYS) every /v1 request needs one (Bearer or x-api-key),
 * compared in constant time. Without keys the proxy is open on loopback only, and a request whose Host header
 * is not a loopback name is refused: a web page cannot reach it through DNS rebinding.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config.ts';
import { ProxyError } from '../errors.ts';

const OPEN_PATHS = new Set(['/health', '/', '/dashboard']);

declare module 'fastify' {
  interface FastifyRequest {
    /** The name of the proxy key the request presented (`cursor`, `key 1`, ...), when keys are set. */
    caller: string | undefined;
  }
}

export function createSecurityHook(config: Pick<Config, 'apiKeys' | 'requireAuth'>) {
  const keyDigests = config.apiKeys.map(({ key }) => digest(key));
  return async function security(request: FastifyRequest, _reply: FastifyReply): Promise<void> {
    if (request.method === 'OPTIONS') return; // CORS preflight carries no credentials
    if (keyDigests.length === 0 && !isLoopbackHostHeader(request.headers.host)) {
      throw new ProxyError(
        'permission',
        `Host "${request.headers.host ?? ''}" is not allowed: without PROXY_API_KEYS the proxy only answers localhost, 127.0.0.1 and [::1]`,
      );
    }
    const path = request.url.split('?')[0] ?? '';
    if (OPEN_PATHS.has(path) || keyDigests.length === 0) return;
    const key = presentedKey(request);
    if (key == null) {
      if (config.requireAuth) throw new ProxyError('authentication', 'missing API key: send the proxy key as "x-api-key" or "Authorization: Bearer <key>"');
      return;
    }
    const matched = matchingKey(digest(key), keyDigests);
    if (matched == null) throw new ProxyError('authentication', 'invalid API key');
    // Which key, never the key itself: turn reports, metrics and usage accounting count by it.
    request.caller = config.apiKeys[matched]!.name;
  };
}

function presentedKey(request: FastifyRequest): string | undefined {
  const header = request.headers['x-api-key'];
  if (typeof header === 'string' && header !== '') return header;
  const authorization = request.headers.authorization;
  const match = authorization != null ? /^Bearer\s+(.+)$/i.exec(authorization) : null;
  return match?.[1]?.trim();
}

function digest(key: string): Buffer {
  return createHash('sha256').update(key).digest();
}

/** The index of the matching key, comparing against every key without stopping early, in constant time per key. */
function matchingKey(candidate: Buffer, keys: readonly Buffer[]): number | undefined {
  let matched: number | undefined;
  keys.forEach((key, index) => {
    if (timingSafeEqual(candidate, key)) matched ??= index;
  });
  return matched;
}

export function isLoopbackHostHeader(host: string | undefined): boolean {
  if (host == null) return false;
  const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.replace(/:\d+$/, '');
  return ['localhost', '127.0.0.1', '[::1]'].includes(name.toLowerCase());
}
