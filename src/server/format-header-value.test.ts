import { validateHeaderValue } from 'node:http';
import { describe, expect, it } from 'vitest';
import { encodeHeaderText, formatIgnoredHeader } from './format-header-value.ts';

describe('encodeHeaderText', () => {
  it('keeps printable ASCII and percent-encodes everything else as UTF-8', () => {
    expect(encodeHeaderText('tools.0 (web_search_20250305)')).toBe('tools.0 (web_search_20250305)');
    expect(encodeHeaderText('input[漢]')).toBe('input[%E6%BC%A2]');
    expect(encodeHeaderText('a\r\nb\u0000\x7f')).toBe('a%0D%0Ab%00%7F');
    expect(encodeHeaderText('100%')).toBe('100%25');
    expect(encodeHeaderText('🛑é')).toBe('%F0%9F%9B%91%C3%A9');
  });

  it('encodes a lone surrogate as the replacement character instead of throwing', () => {
    expect(encodeHeaderText('x\ud800')).toBe('x%EF%BF%BD');
  });

  it.each(['漢', '\u0000', '\r\n', '\ud800', '\u2028', '\x7f\x1b[31m', 'é'.repeat(5)])('always gives a value Node accepts in a header: %j', (text) => {
    expect(() => validateHeaderValue('x-proxy-ignored', encodeHeaderText(text))).not.toThrow();
  });
});

describe('formatIgnoredHeader', () => {
  it('joins distinct entries', () => {
    expect(formatIgnoredHeader(['temperature', 'tools[漢]', 'temperature'])).toBe('temperature, tools[%E6%BC%A2]');
  });

  it('bounds each entry and the number of entries', () => {
    const value = formatIgnoredHeader([`input[${'x'.repeat(500)}]`, ...Array.from({ length: 20_000 }, (_, index) => `input[t${index}]`)]);
    expect(value.split(', ')[0]).toBe(`input[${'x'.repeat(94)}...`);
    expect(value.split(', ')).toHaveLength(51);
    expect(value.endsWith('... 19951 more')).toBe(true);
  });
});
