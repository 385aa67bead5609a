/**
 * @module
 * PURE. Responses `input_image` and `input_file` parts as Anthropic image and document blocks, with the same rules
 * as the Chat Completions translator (../openai-common/convert-openai-media-to-block.ts). Uploaded files (`file_id`)
 * live in OpenAI's storage, which the proxy cannot read.
 */
import type { DocumentBlockParam, ImageBlockParam } from '@anthropic-ai/sdk/resources/messages';
import { ProxyError } from '../../errors.ts';
import { imageBlockFromUrl, pdfBlockFromFileData } from '../openai-common/convert-openai-media-to-block.ts';

export function convertInputImageToBlock(part: Record<string, unknown>, path: string): ImageBlockParam {
  if (typeof part.image_url !== 'string' && part.file_id != null) {
    throw new ProxyError('invalid_request', `${path}.file_id: uploaded files are not available through claude-cli-proxy; send image_url as a data: URL or an http(s) URL`, { param: `${path}.file_id` });
  }
  return imageBlockFromUrl(part.image_url, `${path}.image_url`);
}

export function convertInputFileToBlock(part: Record<string, unknown>, path: string): DocumentBlockParam {
  return pdfBlockFromFileData(part, path);
}
