/**
 * @module
 * Writes a turn's stdin steps to the CLI, pausing after each one that awaits the CLI's acknowledgement (a replayed
 * user message with `shouldQuery: false` is acknowledged by a `result` line; the next one may only follow then,
 * docs/decisions/0008-history-via-stdin-replay.md). stdin stays open afterwards: the CLI may still need answers.
 */
import type { StdinStep } from './build-cli-invocation.ts';

export class StdinFeeder {
  private next = 0;
  private waiting = false;

  constructor(
    private readonly write: (line: string) => void,
    private readonly steps: readonly StdinStep[],
  ) {}

  /** True while a replayed message waits for its acknowledgement: the CLI's lines are not the answer yet. */
  get replaying(): boolean {
    return this.waiting;
  }

  /** Writes steps up to and including the next one that awaits an acknowledgement. */
  writeUntilAck(): void {
    while (this.next < this.steps.length) {
      const step = this.steps[this.next]!;
      this.next += 1;
      this.write(step.line);
      if (step.awaitsAck) {
        this.waiting = true;
        return;
      }
    }
  }

  /** Writes the step being waited on again (the CLI asked for it later). */
  repeatAwaited(): void {
    if (this.waiting) this.write(this.steps[this.next - 1]!.line);
  }

  acknowledge(): void {
    this.waiting = false;
    this.writeUntilAck();
  }
}
