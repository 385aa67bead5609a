/**
 * @module
 * PURE. Text-only content (system, developer and assistant messages; Chat tool results) as one string: both OpenAI
 * APIs accept a string or text parts (`text`, `input_text`, `output_text`, `refusal`), joined with newlines.
 */
import { ProxyError, quoteClientValue } from '../../errors.ts';

interface Part {
  type: string;
  text?: unknown;
  refusal?: unknown;
}

/** `path` names the content field in errors; any other part type is a 400 naming it. */
export function joinTextParts(content: string | readonly Part[] | null | undefined, path: string): string {
  if (content == null) return '';
  if (typeof content === 'string') return content;
  return content
    .map((part, index) => {
      if ((part.type === 'text' || part.type === 'input_text' || part.type === 'output_text') && typeof part.text === 'string') return part.text;
      if (part.type === 'refusal' && typeof part.refusal === 'string') return part.refusal;
      throw new ProxyError('invalid_request', `${path}.${index}: a part of type ${quoteClientValue(part.type)} is not allowed here`, {
        param: `${path}.${index}`,
      });
    })
    .join('\n');
}
