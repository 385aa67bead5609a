/**
 * @module
 * PURE. Checks base64 images and PDFs the way the Messages API does, so a bad one is a 400 naming the block.
 * Without this the CLI swaps an image it cannot decode for a text note ("[Image could not be processed: ...]")
 * and the model answers about a picture it never saw.
 */
import { ProxyError } from '../errors.ts';
import type { ConversationMessage } from './turn-request.ts';

/** The API's limit for one base64 image. */
export const MAX_IMAGE_BASE64_BYTES = 5 * 1024 * 1024;

const SIGNATURES: Record<string, (bytes: Uint8Array) => boolean> = {
  'image/png': (b) => b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47,
  'image/jpeg': (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff,
  'image/gif': (b) => b[0] === 0x47 && b[1] === 0x49 && b[2] === 0x46 && b[3] === 0x38,
  'image/webp': (b) => b[0] === 0x52 && b[1] === 0x49 && b[2] === 0x46 && b[3] === 0x46 && b[8] === 0x57 && b[9] === 0x45 && b[10] === 0x42 && b[11] === 0x50,
  'application/pdf': (b) => b[0] === 0x25 && b[1] === 0x50 && b[2] === 0x44 && b[3] === 0x46,
};

interface Base64Source {
  type: 'base64';
  media_type: string;
  data: string;
}

export function validateMedia(messages: readonly ConversationMessage[]): void {
  messages.forEach((message, messageIndex) => {
    if (typeof message.content === 'string') return;
    message.content.forEach((block, blockIndex) => {
      const path = `messages.${messageIndex}.content.${blockIndex}`;
      if (block.type === 'image' || block.type === 'document') checkSource(block.source, `${path}.source`);
      if (block.type === 'tool_result' && Array.isArray(block.content)) {
        block.content.forEach((inner, innerIndex) => {
          if (inner.type === 'image' || inner.type === 'document') checkSource(inner.source, `${path}.content.${innerIndex}.source`);
        });
      }
    });
  });
}

function checkSource(source: { type: string }, path: string): void {
  if (source.type !== 'base64') return;
  const { media_type: mediaType, data } = source as Base64Source;
  const matches = SIGNATURES[mediaType];
  if (matches == null) return; // text documents and types the API itself will judge
  if (typeof data !== 'string' || data === '') throw invalid(path, 'the base64 data is empty');
  if (mediaType.startsWith('image/') && data.length > MAX_IMAGE_BASE64_BYTES) {
    throw invalid(path, `image exceeds 5 MB maximum: ${data.length} bytes > ${MAX_IMAGE_BASE64_BYTES} bytes`);
  }
  const head = decodeHead(data);
  if (head == null || !matches(head)) throw invalid(path, `the data is not a valid ${mediaType} (base64 of the file's bytes expected)`);
}

/** The first 12 bytes of base64 data, or undefined when it is not base64. */
function decodeHead(data: string): Uint8Array | undefined {
  try {
    const text = atob(data.slice(0, 16));
    return Uint8Array.from(text, (character) => character.charCodeAt(0));
  } catch {
    return undefined;
  }
}

function invalid(path: string, reason: string): ProxyError {
  return new ProxyError('invalid_request', `${path}: ${reason}`, { param: path });
}
