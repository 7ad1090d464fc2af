// What the load generator needs from a store, so raftkv (HTTP) and etcd (etcd3/gRPC) run the
// same closed loop.

export interface TargetSpec {
  readonly kind: 'raftkv' | 'etcd';
  /** host:port of each endpoint the client may use, preferred first. */
  readonly endpoints: readonly string[];
  readonly requestTimeoutMs: number;
}

/** A worker's sticky state: which endpoint it talks to now. */
export interface WorkerCursor {
  endpoint: number;
}

export interface KvTarget {
  put(key: string, value: string, cursor: WorkerCursor): Promise<void>;
  /** The value, or null when the key is absent. */
  get(key: string, serializable: boolean, cursor: WorkerCursor): Promise<string | null>;
  close(): Promise<void>;
}

/** A failed request, with a short kind for the error tally (`http-503`, `ECONNRESET`, `timeout`...). */
export class RequestFailedError extends Error {
  override readonly name = 'RequestFailedError';
  constructor(readonly kind: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

export function errorKind(err: unknown): string {
  if (err instanceof RequestFailedError) return err.kind;
  if (err && typeof err === 'object') {
    const e = err as { code?: unknown; name?: unknown };
    if (typeof e.code === 'string') return e.code;
    if (typeof e.name === 'string') return e.name;
  }
  return 'unknown';
}
