/**
 * @module
 * Which API's shapes a request expects (errors, model lists): by route, else by path, else by headers.
 */
import type { FastifyRequest } from 'fastify';

export type Protocol = 'anthropic' | 'openai';

declare module 'fastify' {
  interface FastifyContextConfig {
    protocol?: Protocol;
  }
}

export function protocolOfRequest(request: FastifyRequest): Protocol {
  const configured = request.routeOptions.config?.protocol;
  if (configured != null) return configured;
  const path = request.url.split('?')[0] ?? '';
  if (path.startsWith('/v1/messages') || path.startsWith('/v1/complete')) return 'anthropic';
  if (/^\/v1\/(chat|responses|completions|embeddings)/.test(path)) return 'openai';
  return wantsAnthropic(request) ? 'anthropic' : 'openai';
}

/** Anthropic clients always send anthropic-version; OpenAI clients never do. */
export function wantsAnthropic(request: FastifyRequest): boolean {
  return request.headers['anthropic-version'] != null;
}
