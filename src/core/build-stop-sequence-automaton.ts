/**
 * @module
 * PURE. An Aho-Corasick automaton over the client's stop sequences. Fed the streamed text one UTF-16 unit at a
 * time, its state is the longest end of the text so far that begins some sequence: that is exactly the tail the
 * proxy must hold back, and a state that ends a sequence is a match. Each unit costs O(1) amortised, whatever the
 * number of sequences (the naive scan cost sequences x length x length per delta: 41 s for 1,000 sequences).
 */

export interface StopSequenceAutomaton {
  /** Transitions, keyed `state * 0x10000 + unit` (one map for all states: a map per state costs far more memory). */
  readonly next: ReadonlyMap<number, number>;
  /** Per state: the state of its longest proper suffix that is also a state. State 0 is the empty text. */
  readonly fail: readonly number[];
  /** Per state: how many units it stands for (the held-back tail's length). */
  readonly depth: readonly number[];
  /** Per state: the longest sequence that ends it, if any. */
  readonly match: readonly (string | undefined)[];
}

const UNITS = 0x10000;

export function buildStopSequenceAutomaton(sequences: readonly string[]): StopSequenceAutomaton {
  const next = new Map<number, number>();
  const depth = [0];
  const match: (string | undefined)[] = [undefined];
  /** Per state, its children as [unit, child] pairs (the breadth-first pass needs them in order). */
  const children: [number, number][][] = [[]];
  for (const sequence of sequences) {
    let state = 0;
    for (let index = 0; index < sequence.length; index += 1) {
      const unit = sequence.charCodeAt(index);
      let target = next.get(state * UNITS + unit);
      if (target == null) {
        target = depth.length;
        depth.push(depth[state]! + 1);
        match.push(undefined);
        children.push([]);
        next.set(state * UNITS + unit, target);
        children[state]!.push([unit, target]);
      }
      state = target;
    }
    if (sequence !== '') match[state] = sequence;
  }
  const fail = new Array<number>(depth.length).fill(0);
  // Breadth first, so a state's fail target is complete before the state itself is.
  const queue = children[0]!.map(([, child]) => child);
  for (let head = 0; head < queue.length; head += 1) {
    const state = queue[head]!;
    match[state] ??= match[fail[state]!];
    for (const [unit, child] of children[state]!) {
      fail[child] = step(next, fail, fail[state]!, unit);
      queue.push(child);
    }
  }
  return { next, fail, depth, match };
}

/** The state after one more UTF-16 unit of text. */
export function advanceStopSequenceAutomaton(automaton: StopSequenceAutomaton, state: number, unit: number): number {
  return step(automaton.next, automaton.fail, state, unit);
}

function step(next: ReadonlyMap<number, number>, fail: readonly number[], state: number, unit: number): number {
  let current = state;
  while (true) {
    const target = next.get(current * UNITS + unit);
    if (target != null) return target;
    if (current === 0) return 0;
    current = fail[current]!;
  }
}
