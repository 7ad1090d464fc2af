// Adapter from the simulator's client history to the per-key Wing-Gong/Lowe checker in
// src/verify. Definitely-failed ops carry no constraint and are dropped; ops without an
// answer (timeout, crash, still pending at the end) may or may not have taken effect.
import type { Operation } from '../../src/verify/history.js';
import { checkHistory as checkOperations } from '../../src/verify/linearizability.js';
import type { HistoryOp } from './history.js';

export interface LinearizabilityVerdict {
  readonly ok: boolean;
  readonly message: string;
}

export function toOperations(history: readonly HistoryOp[]): Operation[] {
  const ops: Operation[] = [];
  for (const h of history) {
    if (h.status === 'fail') continue;
    const base = { id: h.id, client: h.client, kind: h.kind, key: h.key, call: h.call };
    const args = { ...(h.value !== undefined ? { value: h.value } : {}), ...(h.expected !== undefined ? { expected: h.expected } : {}) };
    if (h.status !== 'ok' || h.ret === null) {
      ops.push({ ...base, ...args, ret: null });
      continue;
    }
    const out = h.output ?? {};
    const result = h.kind === 'get' ? { ok: true, value: out.value ?? null } : h.kind === 'cas' ? { ok: out.swapped === true } : { ok: true };
    ops.push({ ...base, ...args, ret: h.ret, result });
  }
  return ops;
}

export function checkHistory(history: readonly HistoryOp[], timeoutMs = 5_000): LinearizabilityVerdict {
  const ops = toOperations(history);
  const r = checkOperations(ops, { timeoutMs });
  if (r.ok === true) return { ok: true, message: `linearizable (${r.checked} ops checked)` };
  if (r.ok === 'unknown') return { ok: true, message: `undecided: checker timed out after ${timeoutMs} ms (${r.checked} ops checked)` };
  return { ok: false, message: `key ${r.key} is not linearizable:\n${r.explanation}` };
}
