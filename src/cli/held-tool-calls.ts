/**
 * @module
 * PURE. Held tool calls (docs/decisions/0017-held-tool-calls.md). A turn that ends with calls of the client's tools
 * leaves its CLI waiting at the permission prompt of the first call. When the client's next request is exactly that
 * conversation plus a user message holding only the results of those calls, in order, the waiting CLI is told to run
 * its calls (`can_use_tool` allowed) and each MCP `tools/call` is answered with the client's result: the CLI sends the
 * next model request itself, on the same process, with no start-up and no replay (measured on 2.1.197 and 2.1.332).
 *
 * The CLI renders an MCP result into the tool_result it sends upstream. Only results it passes on with the same
 * meaning are held (measured on both CLIs): text (a string arrives as one text block) and small images; an error as
 * one text (it arrives as a string). It substitutes its own text for an empty result, drops images from errors and
 * joins their texts, re-encodes images over 2,000 pixels or about 500 KB, and replaces a text over 500,000
 * characters by a preview saved to a file: such results go the usual way (a fresh process, the history replayed).
 */
import type { ContentBlockParam, ToolResultBlockParam } from '@anthropic-ai/sdk/resources/messages';
import { readImageSize } from '../core/read-image-size.ts';
import type { ConversationMessage } from '../core/turn-request.ts';
import { TOOL_NAME_PREFIX } from './client-tool-names.ts';

/** A call of a client tool the CLI is waiting to run (as the model made it: prefixed name). */
export interface HeldCall {
  id: string;
  name: string;
  input: unknown;
}

export type McpContent = { type: 'text'; text: string } | { type: 'image'; data: string; mimeType: string };

export interface McpToolResult {
  content: McpContent[];
  isError?: boolean;
}

/** The text of one result the CLI passes on whole (with tools/list `anthropic/maxResultSizeChars` raised, below). */
export const HELD_RESULT_MAX_CHARS = 400_000;
/** Given to the CLI in tools/list: its own default (about 50,000 characters) would cut most file reads. */
export const MCP_RESULT_SIZE_CHARS = 1_000_000;
/** Images the CLI passes on byte for byte (measured: 434 KB and 2,000 pixels kept; 530 KB and 2,001 pixels re-encoded). */
const HELD_IMAGE_MAX_BYTES = 400_000;
const HELD_IMAGE_MAX_PIXELS = 2000;
const HELD_IMAGE_TYPES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);

/** Blocks an answer may hold beside its tool calls for the CLI to be left waiting on them. */
const BLOCKS_BESIDE_CALLS = new Set(['text', 'thinking', 'redacted_thinking']);

/**
 * The calls a finished answer leaves the CLI waiting on, or undefined when the process cannot be held: the answer
 * must have stopped for tool use, and every call in it must be one of the client's tools.
 */
export function heldCallsOf(reply: readonly ContentBlockParam[], stopReason: string | undefined): HeldCall[] | undefined {
  if (stopReason !== 'tool_use') return undefined;
  const calls: HeldCall[] = [];
  for (const block of reply) {
    if (block.type === 'tool_use' && block.name.startsWith(TOOL_NAME_PREFIX)) calls.push({ id: block.id, name: block.name, input: block.input });
    else if (!BLOCKS_BESIDE_CALLS.has(block.type)) return undefined;
  }
  return calls.length > 0 ? calls : undefined;
}

/** The answer as the client sees it: tool calls with their bare names. */
export function clientViewOf(reply: readonly ContentBlockParam[]): ContentBlockParam[] {
  return reply.map((block) =>
    block.type === 'tool_use' && block.name.startsWith(TOOL_NAME_PREFIX) ? { ...block, name: block.name.slice(TOOL_NAME_PREFIX.length) } : block,
  );
}

/**
 * The answers for the held calls, by tool_use id, when `message` is a user message of exactly their results in
 * order, each one the CLI passes on with the same meaning; undefined otherwise.
 */
export function planHeldAnswers(calls: readonly HeldCall[], message: ConversationMessage | undefined): Map<string, McpToolResult> | undefined {
  if (message?.role !== 'user' || typeof message.content === 'string' || message.content.length !== calls.length) return undefined;
  const answers = new Map<string, McpToolResult>();
  for (const [index, block] of message.content.entries()) {
    if (block.type !== 'tool_result' || block.tool_use_id !== calls[index]!.id) return undefined;
    const result = mcpResultOf(block);
    if (result == null) return undefined;
    answers.set(block.tool_use_id, result);
  }
  return answers;
}

/** A client's tool_result as an MCP result the CLI passes on unchanged in meaning, or undefined. */
export function mcpResultOf(block: ToolResultBlockParam): McpToolResult | undefined {
  const parts = typeof block.content === 'string' ? [{ type: 'text' as const, text: block.content }] : (block.content ?? []);
  const content: McpContent[] = [];
  let characters = 0;
  for (const part of parts) {
    if (part.type === 'text') {
      // The CLI replaces an empty result with "(<tool> completed with no output)", and may drop blank parts.
      if (part.text.trim() === '') return undefined;
      characters += part.text.length;
      content.push({ type: 'text', text: part.text });
    } else if (part.type === 'image' && part.source.type === 'base64' && imageIsPassedOn(part.source.data, part.source.media_type)) {
      content.push({ type: 'image', data: part.source.data, mimeType: part.source.media_type });
    } else {
      return undefined;
    }
  }
  if (content.length === 0 || characters > HELD_RESULT_MAX_CHARS) return undefined;
  if (block.is_error === true) {
    // An error reaches the model as one string: exact for one text, not for several or with images.
    return content.length === 1 && content[0]!.type === 'text' ? { content, isError: true } : undefined;
  }
  return { content };
}

function imageIsPassedOn(data: string, mediaType: string): boolean {
  if (!HELD_IMAGE_TYPES.has(mediaType) || (data.length * 3) / 4 > HELD_IMAGE_MAX_BYTES) return false;
  const size = readImageSize(decodeBase64(data));
  return size != null && size.width <= HELD_IMAGE_MAX_PIXELS && size.height <= HELD_IMAGE_MAX_PIXELS;
}

function decodeBase64(data: string): Uint8Array {
  try {
    return Uint8Array.from(atob(data), (char) => char.charCodeAt(0));
  } catch {
    return new Uint8Array();
  }
}
