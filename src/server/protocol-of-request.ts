/**
 * @module
 * Which error shape a request expects: its route's, else that of the API owning its path (apis.ts), else Anthropic's
 * when it carries anthropic-version (Anthropic clients always send it, OpenAI clients never do), else OpenAI's.
 */
import type { FastifyRequest } from 'fastify';
import type { ErrorShape } from './api.ts';
import { APIS } from './apis.ts';

export function errorShapeOfRequest(request: FastifyRequest): ErrorShape {
  return request.routeOptions.config?.errorShape ?? errorShapeOfPath(request.url, wantsAnthropic(request));
}

export function errorShapeOfPath(url: string, sentAnthropicVersion: boolean): ErrorShape {
  const path = url.split('?')[0] ?? '';
  const owner = APIS.find((api) => api.pathPrefixes.some((prefix) => path.startsWith(prefix)));
  return owner?.errorShape ?? (sentAnthropicVersion ? 'anthropic' : 'openai');
}

/** Anthropic clients always send anthropic-version; OpenAI clients never do. */
export function wantsAnthropic(request: FastifyRequest): boolean {
  return request.headers['anthropic-version'] != null;
}
