// A linearizability tester that any running raftkv cluster can be pointed at: concurrent
// clients issue put / get / compare-and-set / delete on a handful of keys over the HTTP API,
// every request is recorded with its call and return time, and the history is checked by
// the Wing-Gong/Lowe search in linearizability.ts.
//
// How an answer enters the history (API.md "Errors"):
//   2xx                     definite result (a get of a missing key reads "absent")
//   412 on a cas            definite "precondition failed"
//   503, connection refused definitely not applied: dropped from the history
//   504, timeout, cut conn  outcome unknown: the write may take effect at any later time
//   a read without a 200/404 carries no information and is dropped
// A client whose write has no answer stays blocked on it forever in the history, so the
// client continues under a new identity (Jepsen does the same with its process ids).
import { HistoryRecorder, type Operation, type OpKind } from './history.js';
import { checkHistory, type CheckResult } from './linearizability.js';
import { Prng } from './prng.js';

export interface WorkloadOptions {
  /** Base URLs of the nodes, e.g. http://127.0.0.1:3001. */
  readonly endpoints: readonly string[];
  readonly seconds: number;
  /** Concurrent clients. Default 6. */
  readonly clients?: number;
  /** Number of keys the clients share. Default 4. */
  readonly keys?: number;
  readonly seed: number;
  /** Per-request deadline on the client side. Default 2000 ms. */
  readonly requestTimeoutMs?: number;
  /** Prefix of the key names, so runs against a shared cluster do not collide. Default `lin-<seed>-`. */
  readonly keyPrefix?: string;
  /** Runs after the clients stop and before the final reads (a test heals its faults here). */
  readonly beforeFinalReads?: () => Promise<void>;
  /** Read every key at the end, retrying until a definite answer. Default true. */
  readonly finalReads?: boolean;
  /**
   * 'serializable' reads each replica's own copy: not linearizable under faults. Only for
   * showing that the checker catches stale reads (a negative control). Default 'linearizable'.
   */
  readonly readConsistency?: 'linearizable' | 'serializable';
}

export interface WorkloadStats {
  readonly ok: number;
  readonly casFailed: number;
  readonly notApplied: number;
  readonly unknown: number;
  readonly byKind: Readonly<Record<OpKind, number>>;
  readonly finalReads: number;
}

export interface WorkloadResult {
  readonly history: Operation[];
  readonly stats: WorkloadStats;
}

type Outcome = 'ok' | 'casFailed' | 'notApplied' | 'unknown';

interface Answer {
  readonly outcome: Outcome;
  readonly value?: string | null;
}

export async function runWorkload(options: WorkloadOptions): Promise<WorkloadResult> {
  if (options.endpoints.length === 0) throw new Error('runWorkload: no endpoints');
  const clientCount = options.clients ?? 6;
  const keyCount = options.keys ?? 4;
  const timeoutMs = options.requestTimeoutMs ?? 2000;
  const prefix = options.keyPrefix ?? `lin-${options.seed}-`;
  const keys = Array.from({ length: keyCount }, (_, i) => `${prefix}k${i}`);
  const t0 = performance.now();
  const recorder = new HistoryRecorder(() => performance.now() - t0);
  const counts = { ok: 0, casFailed: 0, notApplied: 0, unknown: 0 };
  const byKind: Record<OpKind, number> = { put: 0, get: 0, cas: 0, del: 0 };
  // Values clients have seen per key, so compare-and-set has a fair chance of matching.
  const seen = new Map<string, string[]>();
  const remember = (key: string, value: string | null | undefined): void => {
    if (value === null || value === undefined) return;
    const list = seen.get(key) ?? [];
    list.push(value);
    if (list.length > 8) list.shift();
    seen.set(key, list);
  };
  const deadline = performance.now() + options.seconds * 1000;

  const client = async (c: number): Promise<void> => {
    const prng = new Prng((options.seed + c * 0x9e3779b1) >>> 0);
    let generation = 0;
    let seq = 0;
    while (performance.now() < deadline) {
      const who = `${c}.${generation}`;
      const key = prng.pick(keys);
      const endpoint = prng.pick(options.endpoints);
      const roll = prng.next();
      const kind: OpKind = roll < 0.4 ? 'get' : roll < 0.7 ? 'put' : roll < 0.9 ? 'cas' : 'del';
      const value = `c${c}-${seq++}`;
      const expected = kind === 'cas' ? (seen.get(key) && seen.get(key)!.length > 0 ? prng.pick(seen.get(key)!) : `c${prng.int(clientCount)}-0`) : undefined;
      byKind[kind]++;
      const id = recorder.invoke(who, kind, key, kind === 'put' || kind === 'cas' ? { value, ...(expected !== undefined ? { expected } : {}) } : {});
      const answer = await perform(endpoint, kind, key, value, expected, timeoutMs, options.readConsistency ?? 'linearizable');
      counts[answer.outcome]++;
      switch (answer.outcome) {
        case 'ok':
          recorder.ok(id, kind === 'get' ? (answer.value ?? null) : undefined);
          remember(key, kind === 'get' ? answer.value : kind === 'del' ? null : value);
          break;
        case 'casFailed':
          recorder.casFailed(id);
          break;
        case 'notApplied':
          recorder.notApplied(id);
          // No leader or node down: give the cluster a moment instead of spinning.
          await sleep(20 + prng.int(60));
          break;
        case 'unknown':
          recorder.unknown(id);
          if (kind === 'get') recorder.notApplied(id);
          else generation++;
          break;
      }
    }
  };
  await Promise.all(Array.from({ length: clientCount }, (_, c) => client(c)));
  await options.beforeFinalReads?.();

  let finalReads = 0;
  if (options.finalReads ?? true) {
    for (const key of keys) {
      await readUntilAnswered(recorder, options.endpoints, key, timeoutMs);
      finalReads++;
    }
  }
  return { history: recorder.history(), stats: { ...counts, byKind, finalReads } };
}

/** One request, classified. Never throws. */
async function perform(endpoint: string, kind: OpKind, key: string, value: string, expected: string | undefined, timeoutMs: number, reads: 'linearizable' | 'serializable' = 'linearizable'): Promise<Answer> {
  const path = `/kv/${encodeURIComponent(key)}`;
  let status: number;
  let body: { value?: string } | null = null;
  try {
    const res =
      kind === 'get' ? await call(endpoint, 'GET', reads === 'serializable' ? `${path}?consistency=serializable` : path, undefined, timeoutMs)
      : kind === 'del' ? await call(endpoint, 'DELETE', path, undefined, timeoutMs)
      : await call(endpoint, 'PUT', kind === 'cas' ? `${path}?prevValue=${encodeURIComponent(expected!)}` : path, { value }, timeoutMs);
    status = res.status;
    body = res.body;
  } catch (err) {
    return { outcome: refused(err) ? 'notApplied' : 'unknown' };
  }
  if (kind === 'get') {
    if (status === 200) return { outcome: 'ok', value: body?.value ?? null };
    if (status === 404) return { outcome: 'ok', value: null };
    return { outcome: 'notApplied' };
  }
  if (status === 200) return { outcome: 'ok' };
  if (status === 412 && kind === 'cas') return { outcome: 'casFailed' };
  if (status === 503) return { outcome: 'notApplied' };
  return { outcome: 'unknown' };
}

async function readUntilAnswered(recorder: HistoryRecorder, endpoints: readonly string[], key: string, timeoutMs: number): Promise<void> {
  const giveUp = performance.now() + 30_000;
  for (let attempt = 0; performance.now() < giveUp; attempt++) {
    const id = recorder.invoke('final', 'get', key);
    const a = await perform(endpoints[attempt % endpoints.length]!, 'get', key, '', undefined, timeoutMs);
    if (a.outcome === 'ok') {
      recorder.ok(id, a.value ?? null);
      return;
    }
    recorder.notApplied(id);
    await sleep(100);
  }
  throw new Error(`final read of ${key}: no node answered within 30 s`);
}

async function call(endpoint: string, method: string, path: string, body: unknown, timeoutMs: number): Promise<{ status: number; body: { value?: string } | null }> {
  const res = await fetch(endpoint + path, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await res.text();
  let parsed: { value?: string } | null = null;
  try {
    parsed = text ? (JSON.parse(text) as { value?: string }) : null;
  } catch {
    parsed = null;
  }
  return { status: res.status, body: parsed };
}

/** The request never reached a server: nothing can have been applied. */
function refused(err: unknown): boolean {
  const cause = (err as { cause?: { code?: string } }).cause;
  return cause?.code === 'ECONNREFUSED' || cause?.code === 'EHOSTUNREACH' || cause?.code === 'ENETUNREACH';
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export interface VerifyReport {
  readonly result: CheckResult;
  /** Operations the checker constrained on (answered or possibly applied). */
  readonly operations: number;
  readonly summary: string;
}

/** Checks a history; `summary` is one line for a person, with the explanation on failure. */
export function verify(history: readonly Operation[], options: { timeoutMs?: number } = {}): VerifyReport {
  const result = checkHistory(history, { timeoutMs: options.timeoutMs ?? 60_000 });
  const unknown = history.filter((op) => op.ret === null).length;
  const summary =
    result.ok === true ? `linearizable: ${result.checked} operations checked (${unknown} with unknown outcome)`
    : result.ok === 'unknown' ? `inconclusive: the checker gave up (${result.reason}) after ${result.checked} operations`
    : `NOT linearizable on key ${result.key}:\n${result.explanation}`;
  return { result, operations: history.length, summary };
}
