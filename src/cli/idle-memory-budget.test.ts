import { describe, expect, it } from 'vitest';
import { memoryByKind, processesOverBudget, type IdleProcess } from './idle-memory-budget.ts';

const processes: IdleProcess[] = [
  { pid: 1, kind: 'warm', residentMb: 200 },
  { pid: 2, kind: 'kept', residentMb: 200 },
  { pid: 3, kind: 'held', residentMb: 200 },
  { pid: 4, kind: 'kept', residentMb: 200 },
  { pid: 5, kind: 'warm', residentMb: 200 },
];

describe('processesOverBudget', () => {
  it('ends nothing within the budget', () => {
    expect(processesOverBudget(processes, 1000)).toEqual([]);
  });

  it('ends kept processes first, oldest first, then warm ones, then held ones', () => {
    expect(processesOverBudget(processes, 900).map((entry) => entry.pid)).toEqual([2]);
    expect(processesOverBudget(processes, 500).map((entry) => entry.pid)).toEqual([2, 4, 1]);
    expect(processesOverBudget(processes, 100).map((entry) => entry.pid)).toEqual([2, 4, 1, 5, 3]);
  });

  it('spares the newest process unless nothing else is left', () => {
    expect(processesOverBudget(processes, 700, 2).map((entry) => entry.pid)).toEqual([4, 1]);
    expect(processesOverBudget([{ pid: 9, kind: 'kept', residentMb: 300 }], 200, 9)).toEqual([]);
  });
});

describe('memoryByKind', () => {
  it('sums each kind, rounded', () => {
    expect(memoryByKind([...processes, { pid: 6, kind: 'held', residentMb: 0.4 }])).toEqual({ warm: 400, kept: 400, held: 200 });
  });
});
