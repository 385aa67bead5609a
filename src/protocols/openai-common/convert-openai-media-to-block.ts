/**
 * @module
 * PURE. OpenAI image URLs and inline files as Anthropic image and document blocks, one rule set for Chat
 * Completions and Responses: base64 data URLs and http(s) image URLs; PDFs only, inline as base64 file_data.
 */
import type { DocumentBlockParam, ImageBlockParam } from '@anthropic-ai/sdk/resources/messages';
import { ProxyError } from '../../errors.ts';

const DATA_URL = /^data:([^;,]+);base64,(.*)$/s;
const IMAGE_TYPES = ['image/jpeg', 'image/png', 'image/gif', 'image/webp'] as const;

/** `path` names the URL field in errors. */
export function imageBlockFromUrl(url: unknown, path: string): ImageBlockParam {
  if (typeof url !== 'string') throw new ProxyError('invalid_request', `${path}: Field required`, { param: path });
  const data = DATA_URL.exec(url);
  if (data != null) {
    const mediaType = data[1]!.toLowerCase();
    if (!(IMAGE_TYPES as readonly string[]).includes(mediaType)) {
      throw new ProxyError('invalid_request', `${path}: image type ${mediaType} is not supported (jpeg, png, gif, webp)`, { param: path });
    }
    return { type: 'image', source: { type: 'base64', media_type: mediaType as (typeof IMAGE_TYPES)[number], data: data[2]! } };
  }
  if (/^https?:\/\//i.test(url)) return { type: 'image', source: { type: 'url', url } };
  throw new ProxyError('invalid_request', `${path}: expected a data: URL (base64) or an http(s) URL`, { param: path });
}

/** `path` names the part holding `file_data` in errors. */
export function pdfBlockFromFileData(file: { file_data?: unknown; filename?: unknown } | undefined, path: string): DocumentBlockParam {
  const data = typeof file?.file_data === 'string' ? DATA_URL.exec(file.file_data) : null;
  if (data == null || data[1]!.toLowerCase() !== 'application/pdf') {
    throw new ProxyError('invalid_request', `${path}: only PDF files given inline as file_data (data:application/pdf;base64,...) are supported`, {
      param: path,
    });
  }
  return {
    type: 'document',
    source: { type: 'base64', media_type: 'application/pdf', data: data[2]! },
    ...(typeof file?.filename === 'string' ? { title: file.filename } : {}),
  };
}
