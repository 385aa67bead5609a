/**
 * @module
 * The ProxyError a call throws, for unit tests that assert on its kind, status, message and param.
 */
import { ProxyError } from '../../src/errors.ts';

/** Fails the test when the call returns, or throws anything but a ProxyError. */
export function proxyErrorOf(run: () => unknown): ProxyError {
  try {
    run();
  } catch (error) {
    if (error instanceof ProxyError) return error;
    throw error;
  }
  throw new Error('expected a ProxyError');
}
