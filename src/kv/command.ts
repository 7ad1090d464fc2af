// The commands the replicated KV state machine applies, and their results.
// A command is encoded into Entry.data by the leader's driver; every node decodes
// and applies it identically, so nothing here may depend on local time or randomness:
// `time` is the proposing leader's clock, carried inside the entry.

export interface Precondition {
  /** Apply only if the key's current value equals this. Absent key fails. */
  readonly prevValue?: string;
  /** Apply only if the key's last-modified revision equals this; 0 means "only if absent". */
  readonly prevRevision?: number;
}

export type KvCommand =
  | ({ readonly op: 'put'; readonly key: string; readonly value: string } & CommandMeta & Precondition)
  | ({ readonly op: 'del'; readonly key: string } & CommandMeta & Precondition);

export interface CommandMeta {
  /** Client-chosen Idempotency-Key: applied at most once within the retention window. */
  readonly idempotencyKey?: string;
  /** Milliseconds since the epoch on the proposing leader; drives idempotency expiry deterministically. */
  readonly time: number;
}

export interface KeyValue {
  readonly key: string;
  readonly value: string;
  /** Log index at which this key was last modified. */
  readonly revision: number;
}

export type KvResult =
  | { readonly ok: true; readonly op: 'put'; readonly key: string; readonly value: string; readonly revision: number }
  | { readonly ok: true; readonly op: 'del'; readonly key: string; readonly deleted: boolean; readonly revision: number }
  | { readonly ok: false; readonly code: 'PRECONDITION_FAILED'; readonly current: { readonly value: string; readonly revision: number } | null };
