/**
 * @module
 * PURE. The client's messages as the sequence the CLI replays: validated like the Messages API does, with
 * consecutive same-role messages merged into one turn (the API's own documented behaviour; merging here keeps
 * the CLI from joining texts its own way, which measured as an added "\n").
 */
import type { ContentBlockParam } from '@anthropic-ai/sdk/resources/messages';
import type { ConversationMessage as MessageParam } from './turn-request.ts';
import { ProxyError } from '../errors.ts';
import { expandMcpToolBlocks } from './expand-mcp-tool-blocks.ts';
import { validateMedia } from './validate-media.ts';

export function normalizeConversation(clientMessages: readonly MessageParam[]): MessageParam[] {
  const messages = expandMcpToolBlocks(clientMessages);
  if (messages.length === 0) throw new ProxyError('invalid_request', 'messages: at least one message is required', { param: 'messages' });
  messages.forEach((message, index) => {
    if (isEmpty(message.content)) {
      throw new ProxyError('invalid_request', `messages.${index}: all messages must have non-empty content except for the optional final assistant message`, {
        param: `messages.${index}.content`,
      });
    }
  });
  validateMedia(messages);
  const merged: MessageParam[] = [];
  // A run of same-role messages is gathered into one block array that is appended to, never copied: a body of
  // 20,000 assistant messages must cost as little as parsing it (copying on each merge was quadratic: 10 s).
  let run: ContentBlockParam[] | undefined;
  for (const message of messages) {
    const previous = merged.at(-1);
    if (previous == null || previous.role !== message.role) {
      merged.push({ role: message.role, content: message.content });
      run = undefined;
      continue;
    }
    if (run == null) {
      run = [...asBlocks(previous.content)];
      previous.content = run;
    }
    for (const block of asBlocks(message.content)) run.push(block);
  }
  if (merged.at(-1)!.role !== 'user') {
    throw new ProxyError(
      'invalid_request',
      'messages: the conversation must end with a user message; a final assistant message (prefill) cannot be continued through the Claude Code CLI',
      { param: 'messages' },
    );
  }
  return merged;
}

function isEmpty(content: MessageParam['content']): boolean {
  return typeof content === 'string' ? content === '' : content.length === 0;
}

function asBlocks(content: MessageParam['content']): ContentBlockParam[] {
  return typeof content === 'string' ? [{ type: 'text', text: content }] : content;
}
