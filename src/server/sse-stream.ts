/**
 * @module
 * The one place that writes SSE. Events are objects until here; each becomes `event:`/`data:` lines.
 * Headers are committed lazily (first write), so an error before the first event is still an HTTP error status.
 * Writes wait for 'drain' (backpressure) and become no-ops once the client is gone.
 */
import type { OutgoingHttpHeaders } from 'node:http';
import type { FastifyReply } from 'fastify';

export type SseFrame = { event?: string; data: unknown } | { comment: string } | { rawData: string };

export class SseStream {
  private opened = false;
  private lastWriteAt = 0;

  constructor(
    private readonly reply: FastifyReply,
    private readonly now: () => number,
  ) {}

  get isOpen(): boolean {
    return this.opened;
  }

  get isClosed(): boolean {
    return this.reply.raw.destroyed || this.reply.raw.writableEnded;
  }

  /** Milliseconds since the last write (or since creation). */
  idleFor(): number {
    return this.now() - this.lastWriteAt;
  }

  async write(frame: SseFrame): Promise<void> {
    this.open();
    if (this.isClosed) return;
    const raw = this.reply.raw;
    this.lastWriteAt = this.now();
    if (!raw.write(serialize(frame))) {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          raw.off('drain', done);
          raw.off('close', done);
          resolve();
        };
        raw.on('drain', done);
        raw.on('close', done);
      });
    }
  }

  end(): void {
    if (this.opened && !this.isClosed) this.reply.raw.end();
  }

  private open(): void {
    if (this.opened) return;
    this.opened = true;
    this.lastWriteAt = this.now();
    // From here on the reply is ours: Fastify's own serialisation and hooks no longer apply.
    this.reply.hijack();
    const raw = this.reply.raw;
    // A write to a socket that just closed reports an error event; the close itself ends the turn.
    raw.on('error', () => undefined);
    try {
      raw.writeHead(200, {
        ...(this.reply.getHeaders() as OutgoingHttpHeaders),
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
    } catch (error) {
      // No status can be sent any more (the reply is hijacked): the client sees the connection end, the caller the error.
      raw.destroy();
      throw error;
    }
  }
}

function serialize(frame: SseFrame): string {
  if ('comment' in frame) return `: ${singleLine(frame.comment)}\n\n`;
  if ('rawData' in frame) return `data: ${singleLine(frame.rawData)}\n\n`;
  // JSON.stringify never emits a raw newline, so the data is one line.
  const data = `data: ${JSON.stringify(frame.data)}\n\n`;
  return frame.event != null ? `event: ${singleLine(frame.event)}\n${data}` : data;
}

function singleLine(text: string): string {
  if (/[\r\n]/.test(text)) throw new Error('SSE field must not contain CR or LF');
  return text;
}
