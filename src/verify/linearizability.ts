// Linearizability checker for a key-value register history.
//
// Algorithm: Wing & Gong's backtracking search with Lowe's memoization (as in Porcupine):
// walk the call/return events in time order; at a call, try to linearize that operation
// now (if the model allows it and the pair (set of linearized ops, register value) has not
// been seen before); at a return whose operation is not yet linearized, backtrack. The
// history is checked key by key (linearizability is compositional, Herlihy & Wing), so the
// search space is per key. An operation without an answer has its return at +infinity: it
// may take effect at any point after its call, and placing it after everything else is
// the same as it never taking effect, so the search succeeds once every answered operation
// is linearized.
//
// Limits: worst case is exponential in the number of mutually concurrent writes on one key
// (an unanswered write stays concurrent with everything after its call; pruneUnanswered
// removes or bounds most of them). Measured on a heavily shared 2-core machine
// (bench/kv/linearizability.ts): 5000 ops on one key with ~3 ops overlapping and 5% of
// writes unanswered check in ~0.4 s, 20000 in ~10 s; at ~10 overlapping ops 5000 take ~9 s,
// and proving a violation can take longer than finding a linearization. The search stops
// at `timeoutMs` and answers 'unknown' rather than guessing: keep per-key histories short
// (many keys, few clients per key) for a decisive answer.
import { describeOp, type Operation } from './history.js';

export interface CheckOptions {
  /** Give up after this long (whole history). Default 10 s. */
  readonly timeoutMs?: number;
}

export type CheckResult =
  | { readonly ok: true; readonly checked: number }
  | { readonly ok: false; readonly key: string; readonly explanation: string; readonly ops: readonly Operation[] }
  | { readonly ok: 'unknown'; readonly reason: 'timeout'; readonly checked: number };

/** Drops what carries no constraint: reads without an answer or that failed, writes definitely not applied. */
export function prepareHistory(ops: readonly Operation[]): Operation[] {
  return ops.filter((op) => {
    const answered = op.ret !== null && op.result !== undefined;
    if (op.kind === 'get') return answered && op.result!.ok;
    if (op.kind === 'cas') return true;
    return !answered || op.result!.ok;
  });
}

export function checkHistory(ops: readonly Operation[], options: CheckOptions = {}): CheckResult {
  const deadline = performance.now() + (options.timeoutMs ?? 10_000);
  const byKey = new Map<string, Operation[]>();
  let checked = 0;
  for (const op of prepareHistory(ops)) {
    let list = byKey.get(op.key);
    if (!list) byKey.set(op.key, (list = []));
    list.push(op);
  }
  let timedOut = false;
  for (const key of [...byKey.keys()].sort()) {
    const keyOps = byKey.get(key)!;
    const outcome = checkKey(keyOps, deadline);
    if (outcome === 'timeout') {
      timedOut = true;
      continue;
    }
    if (outcome !== 'ok') return { ok: false, key, explanation: explain(key, keyOps, outcome), ops: outcome.excerpt };
    checked += keyOps.length;
  }
  return timedOut ? { ok: 'unknown', reason: 'timeout', checked } : { ok: true, checked };
}

// ---- the search, on one key ----

/** An operation compiled for the search: values interned to small integers, 0 = absent. */
interface CompiledOp {
  readonly op: Operation;
  readonly index: number;
  readonly answered: boolean;
  readonly kind: Operation['kind'];
  /** put/cas: value written; get: value read; del: 0. */
  readonly arg: number;
  /** cas: expected value (never 0: an absent key never matches). */
  readonly expected: number;
  /** cas with an answer: whether it swapped. */
  readonly swapped: boolean;
}

interface Event {
  readonly op: CompiledOp;
  readonly isCall: boolean;
  readonly time: number;
  /** For a call event, its return event. */
  match: Event | null;
  prev: Event | null;
  next: Event | null;
}

interface Failure {
  /** The operation whose return no ordering could reach, at the deepest point of the search. */
  readonly stuck: Operation;
  /** The longest linearizable prefix found, in order. */
  readonly prefix: readonly Operation[];
  /** The register value after that prefix. */
  readonly value: string | null;
  readonly excerpt: readonly Operation[];
}

const NO_STATE = -1;

/** The register model. Returns the new state, or NO_STATE when `op` cannot happen in `state`. */
function step(state: number, op: CompiledOp): number {
  switch (op.kind) {
    case 'put':
      return op.arg;
    case 'del':
      return 0;
    case 'get':
      return state === op.arg ? state : NO_STATE;
    case 'cas':
      if (!op.answered) return state === op.expected ? op.arg : state;
      if (op.swapped) return state === op.expected ? op.arg : NO_STATE;
      return state !== op.expected ? state : NO_STATE;
  }
}

function hash32(i: number): number {
  let x = Math.imul(i + 0x9e3779b9, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  return (x ^ (x >>> 16)) | 0;
}

function compile(ops: readonly Operation[]): { compiled: CompiledOp[]; values: (string | null)[] } {
  const ids = new Map<string, number>();
  const values: (string | null)[] = [null];
  const intern = (v: string | null | undefined): number => {
    if (v === null || v === undefined) return 0;
    let id = ids.get(v);
    if (id === undefined) {
      id = values.length;
      ids.set(v, id);
      values.push(v);
    }
    return id;
  };
  const compiled = ops.map((op, index): CompiledOp => {
    const answered = op.ret !== null && op.result !== undefined;
    const arg = op.kind === 'get' ? intern(op.result?.value ?? null) : op.kind === 'del' ? 0 : intern(op.value ?? '');
    return { op, index, answered, kind: op.kind, arg, expected: intern(op.expected ?? ''), swapped: answered && op.result!.ok };
  });
  return { compiled, values };
}

function buildEvents(compiled: readonly CompiledOp[]): Event {
  const events: Event[] = [];
  for (const op of compiled) {
    const call: Event = { op, isCall: true, time: op.op.call, match: null, prev: null, next: null };
    const ret: Event = { op, isCall: false, time: op.answered ? op.op.ret! : Infinity, match: null, prev: null, next: null };
    call.match = ret;
    events.push(call, ret);
  }
  // Time order; at equal times calls first (equal times are concurrent); then by op order.
  events.sort((a, b) => a.time - b.time || (a.isCall === b.isCall ? 0 : a.isCall ? -1 : 1) || a.op.index - b.op.index);
  const head: Event = { op: compiled[0]!, isCall: false, time: -Infinity, match: null, prev: null, next: null };
  let prev = head;
  for (const e of events) {
    prev.next = e;
    e.prev = prev;
    prev = e;
  }
  return head;
}

function lift(call: Event): void {
  call.prev!.next = call.next;
  if (call.next) call.next.prev = call.prev;
  const ret = call.match!;
  ret.prev!.next = ret.next;
  if (ret.next) ret.next.prev = ret.prev;
}

function unlift(call: Event): void {
  const ret = call.match!;
  ret.prev!.next = ret;
  if (ret.next) ret.next.prev = ret;
  call.prev!.next = call;
  if (call.next) call.next.prev = call;
}

/** Cache of visited (linearized set, state) pairs, keyed by an incremental (Zobrist) hash. */
class VisitedCache {
  private readonly buckets = new Map<number, Array<{ bits: Uint32Array; state: number }>>();

  /** Adds the pair; false when it was already present. */
  add(hash: number, bits: Uint32Array, state: number): boolean {
    const key = (hash ^ Math.imul(state + 1, 0x27d4eb2d)) | 0;
    let bucket = this.buckets.get(key);
    if (!bucket) this.buckets.set(key, (bucket = []));
    outer: for (const seen of bucket) {
      if (seen.state !== state) continue;
      for (let w = 0; w < bits.length; w++) if (seen.bits[w] !== bits[w]) continue outer;
      return false;
    }
    bucket.push({ bits: bits.slice(), state });
    return true;
  }
}

/**
 * Shrinks the search before it starts. Each unanswered write stays concurrent with every
 * later op and doubles the states to explore, so:
 * - an unanswered put/del whose value nothing can observe (no get reads it, no cas
 *   expects it, and no cas on the key failed) is dropped: placing it last is as good;
 * - an unanswered put whose value no other op writes and that some answered op observes
 *   (a get reading it, a successful cas expecting it) must have taken effect before that
 *   op returned: it becomes an answered op returning then.
 */
export function pruneUnanswered(ops: readonly Operation[]): Operation[] {
  const unanswered = (op: Operation) => op.ret === null || op.result === undefined;
  if (!ops.some((op) => op.kind !== 'get' && unanswered(op))) return ops.slice();
  const observedBy = new Map<string | null, number>(); // value -> earliest return of an answered op that needs it
  const expected = new Set<string>();
  const writers = new Map<string, number>();
  let failedCas = false;
  const need = (v: string | null, ret: number) => observedBy.set(v, Math.min(ret, observedBy.get(v) ?? Infinity));
  for (const op of ops) {
    if (op.kind === 'get') need(op.result!.value ?? null, op.ret!);
    if (op.kind === 'cas') {
      expected.add(op.expected ?? '');
      if (!unanswered(op) && op.result!.ok) need(op.expected ?? '', op.ret!);
      if (!unanswered(op) && !op.result!.ok) failedCas = true;
    }
    if (op.kind === 'put' || op.kind === 'cas') writers.set(op.value ?? '', (writers.get(op.value ?? '') ?? 0) + 1);
  }
  const out: Operation[] = [];
  for (const op of ops) {
    if ((op.kind === 'put' || op.kind === 'del') && unanswered(op)) {
      const v = op.kind === 'put' ? (op.value ?? '') : null;
      const observed = observedBy.has(v) || (v !== null && expected.has(v)) || failedCas;
      if (!observed) continue;
      const by = observedBy.get(v);
      if (v !== null && by !== undefined && writers.get(v) === 1 && by >= op.call) {
        out.push({ ...op, ret: by, result: { ok: true } });
        continue;
      }
    }
    out.push(op);
  }
  return out;
}

function checkKey(keyOps: readonly Operation[], deadline: number): 'ok' | 'timeout' | Failure {
  const ops = pruneUnanswered(keyOps);
  if (ops.length === 0) return 'ok';
  const { compiled, values } = compile(ops);
  const head = buildEvents(compiled);
  const bits = new Uint32Array((compiled.length + 31) >>> 5);
  const zobrist = compiled.map((op) => hash32(op.index));
  const cache = new VisitedCache();
  // `forced`: an op that leaves the state unchanged (a read, a failed cas) and can go now is
  // placed now without a choice point: moving it earlier never hurts any other op, so if
  // the search fails after it, it fails without it too (this removes the 2^k orders of k
  // concurrent reads).
  const stack: Array<{ call: Event; state: number; forced: boolean }> = [];
  let hash = 0;
  let state = 0;
  let answeredLeft = compiled.filter((op) => op.answered).length;
  let best: Failure | null = null;
  let iterations = 0;

  let entry = head.next;
  while (answeredLeft > 0) {
    if ((++iterations & 0x3ff) === 0 && performance.now() > deadline) return 'timeout';
    if (entry !== null && entry.isCall) {
      const op = entry.op;
      const next = step(state, op);
      if (next !== NO_STATE) {
        bits[op.index >>> 5]! |= 1 << (op.index & 31);
        const nextHash = hash ^ zobrist[op.index]!;
        const forced = next === state && op.answered && (op.kind === 'get' || op.kind === 'cas');
        const fresh = cache.add(nextHash, bits, next);
        if (!fresh && forced) {
          // Placing it now was already explored and failed: so does this configuration.
          bits[op.index >>> 5]! &= ~(1 << (op.index & 31));
          entry = null;
          continue;
        }
        if (fresh) {
          stack.push({ call: entry, state, forced });
          state = next;
          hash = nextHash;
          if (op.answered) answeredLeft--;
          lift(entry);
          entry = head.next;
          continue;
        }
        bits[op.index >>> 5]! &= ~(1 << (op.index & 31));
      }
      entry = entry.next;
    } else {
      // A return of an op not yet linearized (or null: a forced op failed): this branch is dead.
      if (entry !== null && (best === null || stack.length > best.prefix.length)) {
        best = { stuck: entry.op.op, prefix: stack.map((s) => s.call.op.op), value: values[state]!, excerpt: [] };
      }
      let top;
      do {
        top = stack.pop();
        if (top === undefined) break;
        const op = top.call.op;
        bits[op.index >>> 5]! &= ~(1 << (op.index & 31));
        hash ^= zobrist[op.index]!;
        state = top.state;
        if (op.answered) answeredLeft++;
        unlift(top.call);
      } while (top.forced);
      if (top === undefined) {
        if (best === null) throw new Error('linearizability: search failed without a stuck op');
        return withExcerpt(best, ops);
      }
      entry = top.call.next;
    }
  }
  return 'ok';
}

/** The ops a reader needs: the stuck op, what overlaps it, and the last writes before it. */
function withExcerpt(f: Failure, ops: readonly Operation[]): Failure {
  const stuck = f.stuck;
  const end = stuck.ret ?? Infinity;
  const overlapping = ops.filter((op) => op !== stuck && op.call <= end && (op.ret ?? Infinity) >= stuck.call);
  const before = ops
    .filter((op) => op.kind !== 'get' && op.ret !== null && op.ret < stuck.call)
    .sort((a, b) => a.ret! - b.ret!)
    .slice(-3);
  const excerpt = [...new Set([...before, ...overlapping, stuck])].sort((a, b) => a.call - b.call || a.id - b.id);
  return { ...f, excerpt: excerpt.slice(0, 40) };
}

function explain(key: string, ops: readonly Operation[], f: Failure): string {
  const lines = [
    `key ${JSON.stringify(key)}: not linearizable (${ops.length} ops on this key).`,
    `The longest linearizable prefix orders ${f.prefix.length} ops and leaves the value ${f.value === null ? 'absent' : JSON.stringify(f.value)};`,
    `no order of the ops lets this one return as it did:`,
    `  ${describeOp(f.stuck)}`,
    `Relevant ops (the last writes answered before it, and everything overlapping it), by call time:`,
    ...f.excerpt.map((op) => `  ${op === f.stuck ? '>' : ' '} ${describeOp(op)}`),
  ];
  if (f.prefix.length > 0) {
    lines.push(`End of that prefix (linearization order):`, ...f.prefix.slice(-5).map((op) => `    ${describeOp(op)}`));
  }
  return lines.join('\n');
}
