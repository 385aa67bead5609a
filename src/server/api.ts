/**
 * @module
 * What an API the proxy serves is, to the server: its routes, the paths it owns, and the shape its errors take.
 * Adding an API is a folder under src/protocols, a route module exporting an `Api`, and one line in apis.ts; nothing
 * else in the server switches on which API a request is for.
 */
import type { FastifyInstance } from 'fastify';
import type { ProxyError } from '../errors.ts';
import { formatAnthropicError } from '../protocols/anthropic/format-anthropic-error.ts';
import { formatOpenAIError } from '../protocols/openai-common/format-openai-error.ts';
import type { AppDependencies } from './create-app.ts';

/** The two error families clients expect: Anthropic's `{type:'error', error:{type, message}}`, OpenAI's `{error:{message, type, param, code}}`. */
export type ErrorShape = 'anthropic' | 'openai';

export const ERROR_BODIES: Record<ErrorShape, (error: ProxyError, requestId: string) => object> = {
  anthropic: formatAnthropicError,
  openai: (error) => formatOpenAIError(error),
};

export interface Api {
  name: string;
  errorShape: ErrorShape;
  /** Paths it owns: an error on them (a 404, a parser error) takes this API's shape even when no route matched. */
  pathPrefixes: readonly string[];
  register: (app: FastifyInstance, dependencies: AppDependencies) => void;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The error shape of the API a route belongs to. */
    errorShape?: ErrorShape;
  }
}
