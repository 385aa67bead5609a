/**
 * @module
 * The Anthropic SDK's error for a request the test expects to fail (any other outcome fails the test).
 */
import Anthropic from '@anthropic-ai/sdk';

export async function anthropicFailure(promise: Promise<unknown>): Promise<InstanceType<typeof Anthropic.APIError>> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof Anthropic.APIError) return error;
    throw error;
  }
  throw new Error('expected the request to fail');
}
