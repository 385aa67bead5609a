import { describe, expect, it } from 'vitest';
import { readImageSize } from './read-image-size.ts';

const bytes = (...parts: (number[] | string)[]): Uint8Array =>
  Uint8Array.from(parts.flatMap((part) => (typeof part === 'string' ? [...part].map((char) => char.charCodeAt(0)) : part)));
const be16 = (value: number) => [value >> 8, value & 0xff];
const be32 = (value: number) => [(value >>> 24) & 0xff, (value >> 16) & 0xff, (value >> 8) & 0xff, value & 0xff];
const le16 = (value: number) => [value & 0xff, value >> 8];

describe('readImageSize', () => {
  it('reads a PNG from its IHDR chunk', () => {
    const png = bytes([0x89], 'PNG\r\n\x1a\n', be32(13), 'IHDR', be32(2001), be32(37), [8, 2, 0, 0, 0]);
    expect(readImageSize(png)).toEqual({ width: 2001, height: 37 });
  });

  it('reads a GIF from its logical screen', () => {
    expect(readImageSize(bytes('GIF89a', le16(640), le16(480), [0, 0, 0]))).toEqual({ width: 640, height: 480 });
  });

  it('reads a JPEG from its start-of-frame marker, past the other segments', () => {
    const app0 = [0xff, 0xe0, ...be16(16), ...'JFIF\0'.split('').map((char) => char.charCodeAt(0)), 1, 1, 0, 0, 1, 0, 1, 0, 0];
    const dht = [0xff, 0xc4, ...be16(4), 0, 0];
    const sof2 = [0xff, 0xc2, ...be16(17), 8, ...be16(1080), ...be16(1920), 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1];
    expect(readImageSize(bytes([0xff, 0xd8], app0, dht, sof2))).toEqual({ width: 1920, height: 1080 });
  });

  it('reads the three WebP encodings', () => {
    const riff = (chunk: string, body: number[]) => bytes('RIFF', [0, 0, 0, 0], 'WEBP', chunk, [0, 0, 0, 0], body, [0, 0, 0, 0, 0, 0, 0, 0]);
    expect(readImageSize(riff('VP8X', [0, 0, 0, 0, ...[99, 0, 0], ...[49, 0, 0]]))).toEqual({ width: 100, height: 50 });
    expect(readImageSize(riff('VP8 ', [0, 0, 0, 0x9d, 0x01, 0x2a, ...le16(300), ...le16(200)]))).toEqual({ width: 300, height: 200 });
    // VP8L: signature 0x2f, then 14 bits width-1, 14 bits height-1.
    const packed = (300 - 1) | ((200 - 1) << 14);
    expect(readImageSize(riff('VP8L', [0x2f, packed & 0xff, (packed >> 8) & 0xff, (packed >> 16) & 0xff, (packed >>> 24) & 0xff, 0]))).toEqual({
      width: 300,
      height: 200,
    });
  });

  it('answers undefined for anything else, or a header cut short', () => {
    expect(readImageSize(bytes('%PDF-1.7 and more bytes here'))).toBeUndefined();
    expect(readImageSize(bytes([0x89], 'PNG'))).toBeUndefined();
    expect(readImageSize(bytes([0xff, 0xd8, 0xff, 0xe0, 0, 40]))).toBeUndefined();
  });
});
