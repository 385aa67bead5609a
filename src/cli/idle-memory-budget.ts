/**
 * @module
 * PURE. The memory budget of idle CLI processes (IDLE_MEMORY_MB): warm ones waiting for a request, kept ones holding
 * a conversation, held ones waiting on tool calls. When together they use more than the budget, the least useful
 * are ended first: kept processes (a chat's next message, often minutes away, can be served by replaying its
 * history), then warm ones (they save a new conversation its start-up), then held ones (an agent's tool result is
 * usually due within a second), oldest first within each kind. The newest process is never ended for itself.
 */
export type IdleKind = 'warm' | 'kept' | 'held';

export interface IdleProcess {
  pid: number;
  kind: IdleKind;
  /** Resident memory in MB (an estimate while it is still starting). */
  residentMb: number;
}

const ORDER: readonly IdleKind[] = ['kept', 'warm', 'held'];

/**
 * The processes to end so that the rest fit within `budgetMb`. `processes` are oldest first within each kind;
 * `newest` (the process just parked or started) is never ended: a budget smaller than one process leaves that one.
 */
export function processesOverBudget(processes: readonly IdleProcess[], budgetMb: number, newest?: number): IdleProcess[] {
  let total = processes.reduce((sum, entry) => sum + entry.residentMb, 0);
  if (total <= budgetMb) return [];
  const ranked = ORDER.flatMap((kind) => processes.filter((entry) => entry.kind === kind && entry.pid !== newest));
  const ended: IdleProcess[] = [];
  for (const entry of ranked) {
    if (total <= budgetMb) break;
    ended.push(entry);
    total -= entry.residentMb;
  }
  return ended;
}

/** Memory by kind, in MB, for /health. */
export function memoryByKind(processes: readonly IdleProcess[]): Record<IdleKind, number> {
  const totals: Record<IdleKind, number> = { warm: 0, kept: 0, held: 0 };
  for (const entry of processes) totals[entry.kind] += entry.residentMb;
  return { warm: Math.round(totals.warm), kept: Math.round(totals.kept), held: Math.round(totals.held) };
}
