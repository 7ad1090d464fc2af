// The client-visible history of a run: what each client asked, when, and what it was
// told. Times are in ticks (fractional). An op whose outcome is unknown (timeout,
// node crashed) has `ret === null`: it may or may not have taken effect.

export type OpKind = 'put' | 'get' | 'cas' | 'del';

export interface HistoryOp {
  readonly id: number;
  readonly client: number;
  readonly kind: OpKind;
  readonly key: string;
  /** put/cas: the new value. */
  readonly value?: string;
  /** cas: the value expected. */
  readonly expected?: string;
  readonly call: number;
  ret: number | null;
  /** ok: completed with `output`; fail: definitely not applied; unknown: maybe applied. */
  status: 'pending' | 'ok' | 'fail' | 'unknown';
  /** get: the value read (null = absent); cas: whether it swapped; del: whether a key was deleted. */
  output?: { readonly value?: string | null; readonly swapped?: boolean; readonly deleted?: boolean };
}

export function describeOp(op: HistoryOp): string {
  const args = op.kind === 'put' ? `${op.key}=${op.value}` : op.kind === 'cas' ? `${op.key} ${op.expected}->${op.value}` : op.key;
  const out = op.output === undefined ? '' : ` -> ${JSON.stringify(op.output)}`;
  return `#${op.id} c${op.client} ${op.kind}(${args}) [${op.call.toFixed(2)}, ${op.ret === null ? '?' : op.ret.toFixed(2)}] ${op.status}${out}`;
}
