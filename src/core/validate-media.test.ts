import { describe, expect, it } from 'vitest';
import { proxyErrorOf } from '../../test/support/proxy-error-of.ts';
import type { ProxyError } from '../errors.ts';
import type { ConversationMessage } from './turn-request.ts';
import { MAX_IMAGE_BASE64_BYTES, validateMedia } from './validate-media.ts';

const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';
const JPEG = btoa(String.fromCharCode(0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 0x4a, 0x46, 0x49, 0x46, 0, 1));
const PDF = btoa('%PDF-1.7\n%\u00e2\u00e3\n');

function image(mediaType: string, data: string) {
  return { type: 'image', source: { type: 'base64', media_type: mediaType, data } } as never;
}

function failure(messages: ConversationMessage[]): ProxyError {
  return proxyErrorOf(() => validateMedia(messages));
}

describe('validateMedia', () => {
  it('accepts real PNG, JPEG and PDF data, URL sources, and images inside tool results', () => {
    expect(() =>
      validateMedia([
        {
          role: 'user',
          content: [image('image/png', PNG), image('image/jpeg', JPEG), { type: 'image', source: { type: 'url', url: 'https://example.com/a.png' } }],
        },
        { role: 'user', content: [{ type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: PDF } }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't', content: [image('image/png', PNG)] }] },
      ]),
    ).not.toThrow();
  });

  it('rejects data that is not the declared type, naming the block', () => {
    const error = failure([{ role: 'user', content: [{ type: 'text', text: 'look' }, image('image/png', JPEG)] }]);
    expect(error).toMatchObject({ status: 400, param: 'messages.0.content.1.source' });
    expect(error.message).toContain('not a valid image/png');
  });

  it('rejects data that is not base64', () => {
    expect(failure([{ role: 'user', content: [image('image/png', '%%%not base64%%%')] }]).message).toContain('not a valid image/png');
  });

  it('rejects an empty image', () => {
    expect(failure([{ role: 'user', content: [image('image/gif', '')] }]).message).toContain('empty');
  });

  it('rejects an image over the API limit of 5 MB', () => {
    const error = failure([{ role: 'user', content: [image('image/png', PNG + 'A'.repeat(MAX_IMAGE_BASE64_BYTES))] }]);
    expect(error.message).toContain('image exceeds 5 MB maximum');
  });

  it('checks images nested in tool results too', () => {
    const error = failure([{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 't', content: [image('image/webp', PNG)] }] }]);
    expect(error.param).toBe('messages.0.content.0.content.0.source');
  });

  it('rejects a PDF document whose data is not a PDF', () => {
    const error = failure([{ role: 'user', content: [{ type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: PNG } }] }]);
    expect(error.message).toContain('not a valid application/pdf');
  });
});
