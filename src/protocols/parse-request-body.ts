/**
 * @module
 * PURE. Validates an HTTP body against a protocol's request schema; a failure is a 400 naming the field.
 */
import type { z } from 'zod';
import { ProxyError } from '../errors.ts';

export function parseRequestBody<Schema extends z.ZodType>(schema: Schema, body: unknown): z.infer<Schema> {
  if (body == null || typeof body !== 'object' || Array.isArray(body)) {
    throw new ProxyError('invalid_request', 'the request body must be a JSON object');
  }
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const path = issue.path.map(String).join('.');
  const message = issue.code === 'invalid_type' && issue.input === undefined ? 'Field required' : issue.message;
  return fail(path, message);
}

function fail(path: string, message: string): never {
  throw new ProxyError('invalid_request', path !== '' ? `${path}: ${message}` : message, path !== '' ? { param: path } : {});
}
