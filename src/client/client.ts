// The TypeScript client: any endpoint serves any request (followers forward), so the client
// only needs to prefer the leader for writes, retry elsewhere when a node is unavailable, and
// keep one Idempotency-Key per write across its retries so that retries are exactly-once.
import { randomUUID } from 'node:crypto';
import { errorFromAnswer, RaftKvError, TimeoutError, UnavailableError } from './errors.js';
import { ExchangeError, HttpTransport, type Answer } from './http-transport.js';

export interface RaftKvClientOptions {
  /** Base URLs of the nodes, e.g. http://127.0.0.1:3001. */
  readonly endpoints: readonly string[];
  /** Per attempt. Default 5000. */
  readonly timeoutMs?: number;
  /** Further attempts after the first. Default 4. */
  readonly retries?: number;
  /** First backoff between attempts, doubled each time (with jitter), capped at 1 s. Default 50. */
  readonly backoffMs?: number;
}

export interface KeyValue {
  readonly key: string;
  readonly value: string;
  readonly revision: number;
}
export interface DeleteResult {
  readonly key: string;
  readonly deleted: boolean;
  readonly revision: number;
}
export interface WriteOptions {
  readonly prevValue?: string;
  /** 0 means "only if absent". */
  readonly prevRevision?: number;
  /** Default: a fresh random key per call, reused by its retries. */
  readonly idempotencyKey?: string;
}
export type Consistency = 'linearizable' | 'serializable';
export interface ReadOptions {
  readonly consistency?: Consistency;
}
export interface ListOptions extends ReadOptions {
  readonly prefix?: string;
  readonly limit?: number;
}
export interface ListResult {
  readonly items: KeyValue[];
  readonly more: boolean;
}
/** One endpoint's /debug answer, or why there was none. */
export interface EndpointStatus {
  readonly endpoint: string;
  readonly status?: NodeDebug;
  readonly error?: RaftKvError;
}
export interface NodeDebug {
  readonly nodeId: string;
  readonly state: string;
  readonly term: number;
  readonly leaderId: string | null;
  readonly logLength: number;
  readonly lastIndex?: number;
  readonly commitIndex: number;
  readonly lastApplied: number;
  readonly members?: readonly { id: string; address: string; role: string; match?: number; lag?: number }[];
  readonly [field: string]: unknown;
}

type Kind = 'read' | 'write';

export class RaftKvClient {
  private readonly endpoints: readonly URL[];
  private readonly timeoutMs: number;
  private readonly retries: number;
  private readonly backoffMs: number;
  private readonly transport = new HttpTransport();
  /** Where the next request goes first; sticks until that endpoint fails. */
  private current = 0;
  private leaderId: string | null = null;
  /** Node id -> endpoint index, learned from answers that were not forwarded. */
  private readonly endpointOfNode = new Map<string, number>();
  private discovering = false;

  constructor(opts: RaftKvClientOptions) {
    if (opts.endpoints.length === 0) throw new RangeError('RaftKvClient needs at least one endpoint');
    this.endpoints = opts.endpoints.map((e) => new URL(e));
    this.timeoutMs = opts.timeoutMs ?? 5_000;
    this.retries = opts.retries ?? 4;
    this.backoffMs = opts.backoffMs ?? 50;
  }

  async put(key: string, value: string, opts: WriteOptions = {}): Promise<KeyValue> {
    const answer = await this.call('write', 'PUT', keyPath(key, preconditionQuery(opts)), JSON.stringify({ value }), opts.idempotencyKey, key);
    return answer.body as KeyValue;
  }

  /** Compare-and-set: a put that needs `prevValue` or `prevRevision`; throws PreconditionFailedError with `current`. */
  cas(key: string, value: string, expected: { prevValue: string } | { prevRevision: number }, opts: { idempotencyKey?: string } = {}): Promise<KeyValue> {
    return this.put(key, value, { ...expected, ...opts });
  }

  async get(key: string, opts: ReadOptions = {}): Promise<KeyValue> {
    const query = opts.consistency ? `consistency=${opts.consistency}` : '';
    return (await this.call('read', 'GET', keyPath(key, query), undefined, undefined, key)).body as KeyValue;
  }

  async delete(key: string, opts: WriteOptions = {}): Promise<DeleteResult> {
    return (await this.call('write', 'DELETE', keyPath(key, preconditionQuery(opts)), undefined, opts.idempotencyKey, key)).body as DeleteResult;
  }

  async list(opts: ListOptions = {}): Promise<ListResult> {
    const q = new URLSearchParams();
    if (opts.prefix !== undefined) q.set('prefix', opts.prefix);
    if (opts.limit !== undefined) q.set('limit', String(opts.limit));
    if (opts.consistency) q.set('consistency', opts.consistency);
    const query = q.toString();
    return (await this.call('read', 'GET', query ? `/kv?${query}` : '/kv', undefined)).body as ListResult;
  }

  /** /debug of every endpoint, in order, without retries: one node down is worth reporting. */
  status(): Promise<EndpointStatus[]> {
    return Promise.all(
      this.endpoints.map(async (url): Promise<EndpointStatus> => {
        const endpoint = url.origin;
        try {
          const answer = await this.transport.exchange(url, 'GET', '/debug', undefined, {}, this.timeoutMs);
          if (answer.status !== 200) return { endpoint, error: errorFromAnswer(answer.status, answer.body) };
          return { endpoint, status: answer.body as NodeDebug };
        } catch (err) {
          return { endpoint, error: new UnavailableError((err as Error).message, undefined, { cause: err }) };
        }
      }),
    );
  }

  close(): void {
    this.transport.close();
  }

  private async call(kind: Kind, method: string, path: string, body: string | undefined, idempotencyKey?: string, key?: string): Promise<Answer> {
    const headers: Record<string, string> = {};
    if (kind === 'write') headers['idempotency-key'] = idempotencyKey ?? randomUUID();
    let lastError: RaftKvError | undefined;
    for (let attempt = 0; attempt <= this.retries; attempt++) {
      if (attempt > 0) await sleep(backoff(this.backoffMs, attempt));
      const index = this.pick(kind);
      let answer: Answer;
      try {
        answer = await this.transport.exchange(this.endpoints[index]!, method, path, body, headers, this.timeoutMs);
      } catch (err) {
        if (!(err instanceof ExchangeError)) throw err;
        // Retrying is safe either way: reads change nothing, writes carry their Idempotency-Key.
        lastError = err.maybeSent
          ? new TimeoutError(`${err.message}; the write may or may not have taken effect`, undefined, { cause: err })
          : new UnavailableError(err.message, undefined, { cause: err });
        this.moveOn(index);
        continue;
      }
      this.learn(index, answer);
      if (answer.status >= 200 && answer.status < 300) return answer;
      const error = errorFromAnswer(answer.status, answer.body, key);
      if (error instanceof UnavailableError) {
        lastError = error;
        this.moveOn(index);
        continue;
      }
      if (error instanceof TimeoutError) {
        lastError = error;
        continue; // same key: the node answers a duplicate with the first result
      }
      throw error;
    }
    throw lastError ?? new UnavailableError('no attempt was made');
  }

  /** Writes go to the leader's endpoint when we know it; everything else to the current one. */
  private pick(kind: Kind): number {
    if (kind === 'write' && this.leaderId !== null) {
      const leader = this.endpointOfNode.get(this.leaderId);
      if (leader !== undefined) return leader;
    }
    return this.current;
  }

  private moveOn(failed: number): void {
    if (this.current === failed) this.current = (failed + 1) % this.endpoints.length;
    // A leader that failed us is a stale hint until an answer names it again.
    for (const [id, i] of this.endpointOfNode) if (i === failed && id === this.leaderId) this.leaderId = null;
  }

  private learn(index: number, answer: Answer): void {
    const node = header(answer, 'x-raft-node');
    if (node !== undefined && header(answer, 'x-raft-forwarded-by') === undefined) this.endpointOfNode.set(node, index);
    const leader = header(answer, 'x-raft-leader');
    if (leader !== undefined) this.leaderId = leader;
    if (this.leaderId !== null && !this.endpointOfNode.has(this.leaderId)) this.discover();
  }

  /** Learns which endpoint is which node from their /debug, in the background, so that the
   *  next writes go straight to the leader instead of through a forwarding follower. */
  private discover(): void {
    if (this.discovering || this.endpoints.length === 1) return;
    this.discovering = true;
    void this.status().then((statuses) => {
      statuses.forEach((s, i) => {
        if (s.status) this.endpointOfNode.set(s.status.nodeId, i);
      });
      // Stay quiet until the leader changes again, even if the leader is not among our endpoints.
      setTimeout(() => { this.discovering = false; }, 1_000).unref();
    });
  }
}

function header(answer: Answer, name: string): string | undefined {
  const v = answer.headers[name];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function keyPath(key: string, query: string): string {
  return `/kv/${encodeURIComponent(key)}${query ? `?${query}` : ''}`;
}

function preconditionQuery(opts: WriteOptions): string {
  const q = new URLSearchParams();
  if (opts.prevValue !== undefined) q.set('prevValue', opts.prevValue);
  if (opts.prevRevision !== undefined) q.set('prevRevision', String(opts.prevRevision));
  return q.toString();
}

function backoff(baseMs: number, attempt: number): number {
  const ceiling = Math.min(1_000, baseMs * 2 ** (attempt - 1));
  return ceiling / 2 + Math.random() * (ceiling / 2);
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
