import { describe, expect, it } from 'vitest';
import { isLoopbackHostHeader } from './security.ts';

describe('isLoopbackHostHeader', () => {
  it.each(['localhost', 'localhost:4523', 'LOCALHOST:4523', '127.0.0.1', '127.0.0.1:4523', '[::1]', '[::1]:4523'])('accepts %s', (host) => {
    expect(isLoopbackHostHeader(host)).toBe(true);
  });

  it.each([
    undefined,
    '',
    'example.com',
    'evil.test:4523',
    'localhost.evil.test',
    '127.0.0.1.nip.io:4523',
    'localhost:4523.evil.test',
    '[::1.evil.test]',
    '[::1',
    '0.0.0.0:4523',
    '192.168.1.10:4523',
  ])('refuses %j', (host) => {
    expect(isLoopbackHostHeader(host)).toBe(false);
  });
});
