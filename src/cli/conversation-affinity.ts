/**
 * @module
 * Conversation affinity: a CLI process whose turn ended cleanly is kept, keyed by everything the model saw
 * (spawn settings, system prompt, tools, the whole conversation including its own answer). A request whose
 * conversation is exactly that plus one new user message takes the process and sends only the new message:
 * no start-up, no replay. A process whose answer ended with calls of the client's tools is kept the same way, still
 * waiting on those calls (held-tool-calls.ts): the next request must bring their results. The key compares content, never a client-supplied id, so a client that edits its
 * history, drops a thinking block or changes a setting simply gets a fresh process. Bounded by count and idle time,
 * and by the day: the CLI writes the current date into the conversation's first message once per process, so a
 * process whose first turn was on another day would not send what a fresh one sends.
 */
import { createHash } from 'node:crypto';
import type { ContentBlockParam } from '@anthropic-ai/sdk/resources/messages';
import type { ClientTool, ConversationMessage } from '../core/turn-request.ts';
import type { CliInvocation } from './build-cli-invocation.ts';
import type { ClaudeProcess } from './claude-process.ts';
import type { CliControlRequestLine } from './cli-lines.ts';
import type { HeldCall } from './held-tool-calls.ts';

export type ParkableProcess = Pick<ClaudeProcess, 'pid' | 'running' | 'exited' | 'terminate'>;

/** What a turn's model call depended on, apart from the conversation. */
export interface ConversationSettings {
  invocation: Pick<CliInvocation, 'command' | 'args' | 'env' | 'cwd'>;
  system: readonly string[];
  tools: readonly ClientTool[];
  /** The structured output schema (given in `initialize`, so not part of the invocation's argv). */
  outputSchema: Record<string, unknown> | undefined;
}

/** What a process kept after an answer with tool calls is waiting on. */
export interface HeldCalls {
  calls: HeldCall[];
  /** Its permission prompts already written to stdout and left unanswered (the first call's, usually). */
  prompts: CliControlRequestLine[];
}

/**
 * A kept process as handed out: `held` when it waits on tool calls rather than on a user message; `rewindTo` when the
 * request drops its last exchange (regenerate, edited last message): the uuid of the user message to cut back to.
 */
export interface ParkedProcess<P> {
  process: P;
  held: HeldCalls | undefined;
  rewindTo?: string;
}

interface Parked<P> {
  process: P;
  held: HeldCalls | undefined;
  timer: NodeJS.Timeout;
  /** Messages in the conversation it holds: most requests are ruled out by this before any hashing. */
  length: number;
  /** The local day of the process's first turn (the date the CLI put in the conversation). */
  day: string;
  /** Held only: the key of the settings and first message, which a later request of the same conversation shares. */
  root: string | undefined;
  /** Kept only: the conversation before its last exchange, and the uuid of that exchange's user message. */
  rewind: { key: string; uuid: string } | undefined;
}

/** The local calendar day, as the CLI dates its conversations. */
export function localDay(now: Date = new Date()): string {
  return `${now.getFullYear()}-${now.getMonth() + 1}-${now.getDate()}`;
}

export class ParkedConversations<P extends ParkableProcess = ClaudeProcess> {
  /** Insertion order is parking order: the first entry is the oldest. */
  private readonly parked = new Map<string, Parked<P>>();
  /** Parked keys by the key of their conversation minus its last exchange (for a request that re-sends it). */
  private readonly byRewindKey = new Map<string, string>();

  constructor(
    private readonly size: number,
    private readonly idleMs: number,
    private readonly today: () => string = localDay,
  ) {}

  get enabled(): boolean {
    return this.size > 0;
  }

  get count(): number {
    return this.parked.size;
  }

  /** Kept processes waiting on tool calls. */
  get heldCount(): number {
    return [...this.parked.values()].filter((entry) => entry.held != null).length;
  }

  get capacity(): number {
    return this.size;
  }

  /** The kept processes themselves (to kill them at once when the proxy must exit now). */
  processes(): P[] {
    return [...this.parked.values()].map((entry) => entry.process);
  }

  pids(): number[] {
    return [...this.parked.values()].flatMap((entry) => (entry.process.pid != null ? [entry.process.pid] : []));
  }

  /** The kept processes, oldest first, and whether each waits on tool calls. */
  entries(): Array<{ pid: number; held: boolean }> {
    return [...this.parked.values()].flatMap((entry) => (entry.process.pid != null ? [{ pid: entry.process.pid, held: entry.held != null }] : []));
  }

  /** Ends the kept process with this pid (the memory budget). */
  endPid(pid: number): void {
    for (const [key, entry] of this.parked) if (entry.process.pid === pid) this.end(key);
  }

  /** The process that holds `conversation` minus its last (user) message, if one is parked. */
  take(settings: ConversationSettings, conversation: readonly ConversationMessage[]): ParkedProcess<P> | undefined {
    const found = this.lookUp(settings, conversation);
    // A held process of the same conversation (same settings, same first message) that this request does not
    // continue waits for results that will not come: the client edited, regenerated or went on without them.
    if (found == null) this.endHeldOf(settings, conversation);
    return found;
  }

  private lookUp(settings: ConversationSettings, conversation: readonly ConversationMessage[]): ParkedProcess<P> | undefined {
    if (!this.enabled || conversation.length < 3 || conversation.at(-1)?.role !== 'user' || conversation.at(-2)?.role !== 'assistant') return undefined;
    // Hashing a long conversation with images takes tens of milliseconds: only when a kept one could match (holding
    // this conversation minus its new message, or that plus one more exchange the request drops).
    const length = conversation.length - 1;
    if (![...this.parked.values()].some((entry) => entry.length === length || (entry.rewind != null && entry.length === length + 2))) return undefined;
    const key = conversationKey(settings, conversation.slice(0, -1));
    const exact = this.parked.get(key);
    const rewindable = exact == null ? this.byRewindKey.get(key) : undefined;
    const parkedKey = exact != null ? key : rewindable;
    const entry = parkedKey != null ? this.parked.get(parkedKey) : undefined;
    if (parkedKey == null || entry == null) return undefined;
    if (entry.day !== this.today()) {
      this.end(parkedKey);
      return undefined;
    }
    this.forget(parkedKey);
    if (!entry.process.running) return undefined;
    return exact != null ? { process: entry.process, held: entry.held } : { process: entry.process, held: undefined, rewindTo: entry.rewind!.uuid };
  }

  /**
   * Keeps a process whose CLI now holds `conversation` (ending with its own answer, tool calls with the client's
   * names), ending the oldest if full. `day`: the local day of the process's first turn (localDay()). `held`: the
   * tool calls it waits on, if its answer ended with some.
   */
  park(settings: ConversationSettings, conversation: readonly ConversationMessage[], process: P, day: string, held?: HeldCalls, promptUuid?: string): void {
    if (!this.enabled || !process.running) {
      void process.terminate();
      return;
    }
    const key = conversationKey(settings, conversation);
    this.end(key);
    while (this.parked.size >= this.size) this.end(this.parked.keys().next().value!);
    const timer = setTimeout(() => this.end(key), this.idleMs);
    timer.unref();
    const root = held != null ? conversationKey(settings, conversation.slice(0, 1)) : undefined;
    // The CLI can cut back only to its last user message, and not to the first (nothing answered before it), nor to
    // one that answers tool calls: it refuses with "target splits a tool call" (met by the e2e fuzz on 2.1.332).
    const rewind =
      held == null && promptUuid != null && conversation.length >= 4 && !answersToolCalls(conversation.at(-2)!)
        ? { key: conversationKey(settings, conversation.slice(0, -2)), uuid: promptUuid }
        : undefined;
    this.parked.set(key, { process, held, timer, length: conversation.length, day, root, rewind });
    if (rewind != null) this.byRewindKey.set(rewind.key, key);
    void process.exited.then(() => {
      if (this.parked.get(key)?.process === process) this.forget(key);
    });
  }

  private endHeldOf(settings: ConversationSettings, conversation: readonly ConversationMessage[]): void {
    const held = [...this.parked].filter(([, entry]) => entry.root != null);
    if (held.length === 0 || conversation.length === 0) return;
    const root = conversationKey(settings, conversation.slice(0, 1));
    for (const [key, entry] of held) if (entry.root === root) this.end(key);
  }

  async shutdown(): Promise<void> {
    const entries = [...this.parked.values()];
    for (const key of [...this.parked.keys()]) this.forget(key);
    await Promise.all(entries.map((entry) => entry.process.terminate()));
  }

  private end(key: string): void {
    const entry = this.parked.get(key);
    if (entry == null) return;
    this.forget(key);
    void entry.process.terminate();
  }

  private forget(key: string): void {
    const entry = this.parked.get(key);
    if (entry == null) return;
    clearTimeout(entry.timer);
    this.parked.delete(key);
    if (entry.rewind != null && this.byRewindKey.get(entry.rewind.key) === key) this.byRewindKey.delete(entry.rewind.key);
  }
}

/** A digest of everything that shapes the model call: equal keys mean the same upstream request. */
export function conversationKey(settings: ConversationSettings, conversation: readonly ConversationMessage[]): string {
  const { command, args, env, cwd } = settings.invocation;
  const material = canonicalJson([
    command,
    args,
    env,
    cwd,
    settings.system,
    settings.tools,
    settings.outputSchema ?? null,
    conversation.map((message) => [message.role, canonicalContent(message.content)]),
  ]);
  return createHash('sha256').update(material).digest('base64url');
}

/**
 * The forms a client may send back for the same content count as one: a string or a text block; a text block
 * with `citations: null` (as the SDKs return it) or without; keys in any order; with or without `cache_control`
 * (Claude Code moves its markers to the newest message each turn, and the CLI places its own: the upstream request
 * is the same either way). Only on blocks: a tool's input keeps every key.
 */
function canonicalContent(content: ConversationMessage['content']): unknown[] {
  const blocks: ContentBlockParam[] = typeof content === 'string' ? [{ type: 'text', text: content }] : content;
  return blocks.map((block) => {
    const { cache_control: _marker, ...rest } = block as ContentBlockParam & { cache_control?: unknown };
    if (rest.type === 'tool_result' && Array.isArray(rest.content)) return { ...rest, content: canonicalContent(rest.content as ContentBlockParam[]) };
    if (rest.type !== 'text' || rest.citations != null) return rest;
    const { citations: _null, ...text } = rest;
    return text;
  });
}

/** JSON with object keys sorted, so that key order never tells two equal values apart. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) =>
    inner != null && typeof inner === 'object' && !Array.isArray(inner)
      ? Object.fromEntries(Object.entries(inner).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : inner,
  );
}

function answersToolCalls(message: ConversationMessage): boolean {
  return typeof message.content !== 'string' && message.content.some((block) => block.type === 'tool_result');
}
