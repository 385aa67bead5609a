import { describe, expect, it } from 'vitest';
import { StdinFeeder } from './feed-stdin.ts';

const step = (line: string, awaitsAck = false) => ({ line, awaitsAck });

describe('StdinFeeder', () => {
  it('writes every step at once when none awaits an acknowledgement', () => {
    const written: string[] = [];
    const feeder = new StdinFeeder((line) => written.push(line), [step('init'), step('prompt')]);
    feeder.writeUntilAck();
    expect(written).toEqual(['init', 'prompt']);
    expect(feeder.replaying).toBe(false);
  });

  it('stops after a replayed message until the CLI acknowledges it, then goes on to the next one', () => {
    const written: string[] = [];
    const feeder = new StdinFeeder(
      (line) => written.push(line),
      [step('init'), step('user 1', true), step('assistant 1'), step('user 2', true), step('prompt')],
    );
    feeder.writeUntilAck();
    expect(written).toEqual(['init', 'user 1']);
    expect(feeder.replaying).toBe(true);
    feeder.acknowledge();
    expect(written).toEqual(['init', 'user 1', 'assistant 1', 'user 2']);
    expect(feeder.replaying).toBe(true);
    feeder.acknowledge();
    expect(written.at(-1)).toBe('prompt');
    expect(feeder.replaying).toBe(false);
  });

  it('writes the awaited step again when asked (a rewind the CLI refused while closing its turn), and nothing when none is awaited', () => {
    const written: string[] = [];
    const feeder = new StdinFeeder((line) => written.push(line), [step('rewind', true), step('prompt')]);
    feeder.writeUntilAck();
    feeder.repeatAwaited();
    expect(written).toEqual(['rewind', 'rewind']);
    feeder.acknowledge();
    feeder.repeatAwaited();
    expect(written).toEqual(['rewind', 'rewind', 'prompt']);
  });
});
