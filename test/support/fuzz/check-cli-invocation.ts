/**
 * @module
 * The fuzz oracle for what would reach the CLI: argv stays small (large values go over stdin), every stdin line is
 * one JSON object, and every block of the conversation has the fields the CLI and the API need for its type. A
 * request that gets this far with a broken block would cost a CLI start and then fail as a 500 or an upstream 400.
 */
import type { CliInvocation } from '../../../src/cli/build-cli-invocation.ts';

/** Far below Linux's 128 KiB per argument: only flags, the model and numbers belong on argv. */
const MAX_ARGV_CHARACTERS = 4096;

export function checkCliInvocation(invocation: CliInvocation): string[] {
  const problems: string[] = [];
  const argvCharacters = invocation.args.reduce((sum, argument) => sum + argument.length, 0);
  if (argvCharacters > MAX_ARGV_CHARACTERS) problems.push(`argv holds ${argvCharacters} characters`);
  if (invocation.args.some((argument, index) => index > 0 && argument.startsWith('-') && invocation.args[index - 1] === '--model'))
    problems.push('a model that looks like a flag');
  for (const step of invocation.stdinSteps) {
    if (step.line.includes('\n')) problems.push('a stdin line with a raw newline');
    try {
      JSON.parse(step.line);
    } catch {
      problems.push(`a stdin line that is not JSON: ${step.line.slice(0, 80)}`);
    }
  }
  invocation.conversation.forEach((message, messageIndex) => {
    const blocks = typeof message.content === 'string' ? [] : message.content;
    blocks.forEach((block, blockIndex) => problems.push(...blockProblems(block, `messages.${messageIndex}.content.${blockIndex}`)));
  });
  return problems;
}

type Loose = Record<string, unknown>;

function isObject(value: unknown): value is Loose {
  return value != null && typeof value === 'object' && !Array.isArray(value);
}

function blockProblems(value: unknown, path: string): string[] {
  if (!isObject(value) || typeof value.type !== 'string') return [`${path}: not a block`];
  const block = value;
  const need = (condition: boolean, what: string): string[] => (condition ? [] : [`${path}: ${what}`]);
  switch (block.type) {
    case 'text':
      return need(typeof block.text === 'string', 'text without a string text');
    case 'image':
      return sourceProblems(block.source, `${path}.source`, ['base64', 'url', 'file']);
    case 'document':
      return sourceProblems(block.source, `${path}.source`, ['base64', 'text', 'url', 'file', 'content']);
    case 'tool_use':
      return need(typeof block.id === 'string' && typeof block.name === 'string' && isObject(block.input), 'tool_use without id, name and an object input');
    case 'tool_result': {
      const problems = need(typeof block.tool_use_id === 'string', 'tool_result without tool_use_id');
      if (block.content != null && typeof block.content !== 'string') {
        if (!Array.isArray(block.content)) problems.push(`${path}.content: neither a string nor blocks`);
        else block.content.forEach((inner, index) => problems.push(...blockProblems(inner, `${path}.content.${index}`)));
      }
      return problems;
    }
    case 'thinking':
      return need(typeof block.thinking === 'string' && typeof block.signature === 'string', 'thinking without thinking and signature');
    case 'redacted_thinking':
      return need(typeof block.data === 'string', 'redacted_thinking without data');
    default:
      return [];
  }
}

const MEDIA_TYPES: Record<string, readonly string[]> = {
  base64: ['image/jpeg', 'image/png', 'image/gif', 'image/webp', 'application/pdf'],
  text: ['text/plain'],
};

function sourceProblems(value: unknown, path: string, kinds: readonly string[]): string[] {
  if (!isObject(value) || typeof value.type !== 'string' || !kinds.includes(value.type)) return [`${path}: not a source of type ${kinds.join('|')}`];
  switch (value.type) {
    case 'base64':
    case 'text':
      return typeof value.data === 'string' && value.data !== '' && MEDIA_TYPES[value.type]!.includes(String(value.media_type))
        ? []
        : [`${path}: ${value.type} source without data or media_type`];
    case 'url':
      return typeof value.url === 'string' ? [] : [`${path}: url source without url`];
    case 'file':
      return typeof value.file_id === 'string' ? [] : [`${path}: file source without file_id`];
    default:
      return [];
  }
}
