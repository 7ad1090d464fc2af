// Client histories for the linearizability checker. One Operation per client request,
// with the times it was issued and answered on a clock shared by all clients (the
// simulator's virtual clock, or one process's monotonic clock).

export type OpKind = 'put' | 'get' | 'cas' | 'del';

export interface OpResult {
  /** put/del/get: true when acknowledged. cas: true = swapped, false = precondition failed. */
  readonly ok: boolean;
  /** get: the value read, null when the key was absent. */
  readonly value?: string | null;
}

export interface Operation {
  readonly id: number;
  readonly client: number | string;
  readonly kind: OpKind;
  readonly key: string;
  /** put and cas: the value written. */
  readonly value?: string;
  /** cas: the value the key must hold (prevValue); an absent key never matches. */
  readonly expected?: string;
  /** When the request was issued. */
  readonly call: number;
  /**
   * When the answer arrived; null when none did (timeout, crash): the operation may take
   * effect at any time after `call`, or never. Equal times count as concurrent.
   */
  readonly ret: number | null;
  /** Present when ret is not null. */
  readonly result?: OpResult;
}

export function describeOp(op: Operation): string {
  const who = `#${op.id} client ${op.client}`;
  const what =
    op.kind === 'put' ? `put ${op.key}=${show(op.value)}`
    : op.kind === 'cas' ? `cas ${op.key} ${show(op.expected)}->${show(op.value)}`
    : `${op.kind} ${op.key}`;
  let outcome: string;
  if (op.ret === null || op.result === undefined) outcome = '?? (no answer)';
  else if (op.kind === 'get') outcome = op.result.ok ? `-> ${show(op.result.value ?? null)}` : '-> error';
  else if (op.kind === 'cas') outcome = op.result.ok ? '-> swapped' : '-> precondition failed';
  else outcome = op.result.ok ? '-> ok' : '-> not applied';
  const ret = op.ret === null ? '...' : String(op.ret);
  return `${who.padEnd(16)} ${what} ${outcome}  [${op.call}, ${ret}]`;
}

function show(v: string | null | undefined): string {
  if (v === null || v === undefined) return 'absent';
  return JSON.stringify(v.length > 40 ? `${v.slice(0, 37)}...` : v);
}

/**
 * Builds a history as requests start and finish. The simulator and the fault tests use it:
 * `invoke` when sending, then exactly one of `ok` / `casFailed` (definite answers),
 * `notApplied` (definitely not applied: dropped from the history) or `unknown`.
 */
export class HistoryRecorder {
  private readonly ops = new Map<number, Operation>();
  private nextId = 1;

  constructor(private readonly now: () => number) {}

  invoke(client: number | string, kind: OpKind, key: string, args: { value?: string; expected?: string } = {}): number {
    const id = this.nextId++;
    const op: Operation = { id, client, kind, key, call: this.now(), ret: null };
    if (args.value !== undefined) (op as { value?: string }).value = args.value;
    if (args.expected !== undefined) (op as { expected?: string }).expected = args.expected;
    this.ops.set(id, op);
    return id;
  }

  /** Acknowledged: a put/del/cas that took effect, or a get that read `value` (null = absent). */
  ok(id: number, value?: string | null): void {
    this.finish(id, value === undefined ? { ok: true } : { ok: true, value });
  }

  /** A cas answered "precondition failed" (412). */
  casFailed(id: number): void {
    this.finish(id, { ok: false });
  }

  /** Definitely not applied (503, or a failed read): removed from the history. */
  notApplied(id: number): void {
    this.ops.delete(id);
  }

  /** No answer or an ambiguous one (504, connection cut): outcome unknown, ret stays null. */
  unknown(_id: number): void {}

  private finish(id: number, result: OpResult): void {
    const op = this.ops.get(id);
    if (!op) throw new Error(`HistoryRecorder: unknown op ${id}`);
    this.ops.set(id, { ...op, ret: this.now(), result });
  }

  history(): Operation[] {
    return [...this.ops.values()];
  }
}
