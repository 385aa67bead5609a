/**
 * @module
 * Header values built from what a client sent (the `x-proxy-ignored` list names the client's own tool and item
 * types). A header carries printable ASCII only: anything else is percent-encoded as UTF-8 here, at the boundary,
 * so that no client text can make Node refuse the response (a non-Latin-1 type once crashed the whole server).
 * The value is bounded as well: a request with 20,000 odd items must not produce a 20,000-entry header.
 */

const MAX_ITEM_CHARACTERS = 100;
const MAX_ITEMS = 50;

/** Printable ASCII kept, the rest percent-encoded (a literal `%` too, so the encoding can be read back). */
export function encodeHeaderText(text: string): string {
  let encoded = '';
  for (const character of text) {
    const code = character.codePointAt(0)!;
    if (code >= 0x20 && code <= 0x7e && character !== '%') encoded += character;
    // A lone surrogate (iteration yields it alone) has no UTF-8 form: it becomes U+FFFD.
    else
      encoded += encodeURIComponent(code >= 0xd800 && code <= 0xdfff ? '\ufffd' : character).replace(
        /[!'()*]/g,
        (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
      );
  }
  return encoded;
}

/** The `x-proxy-ignored` value: distinct entries, each encoded and shortened, at most MAX_ITEMS of them. */
export function formatIgnoredHeader(ignored: readonly string[]): string {
  const items = [...new Set(ignored)].map((item) => {
    const encoded = encodeHeaderText(item);
    return encoded.length > MAX_ITEM_CHARACTERS ? `${encoded.slice(0, MAX_ITEM_CHARACTERS)}...` : encoded;
  });
  const shown = items.slice(0, MAX_ITEMS);
  if (items.length > MAX_ITEMS) shown.push(`... ${items.length - MAX_ITEMS} more`);
  return shown.join(', ');
}
