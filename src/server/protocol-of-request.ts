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
  return protocolOfPath(request.url, wantsAnthropic(request));
}

/** By the path, else by whether the client sent anthropic-version (for requests no route took). */
export function protocolOfPath(url: string, sentAnthropicVersion: boolean): Protocol {
  const path = url.split('?')[0] ?? '';
  if (path.startsWith('/v1/messages') || path.startsWith('/v1/complete')) return 'anthropic';
  if (/^\/v1\/(chat|responses|completions|embeddings)/.test(path)) return 'openai';
  return sentAnthropicVersion ? 'anthropic' : 'openai';
}

/** Anthropic clients always send anthropic-version; OpenAI clients never do. */
export function wantsAnthropic(request: FastifyRequest): boolean {
  return request.headers['anthropic-version'] != null;
}
