// The closed loop: N workers, each keeps exactly one request outstanding. Keys cycle over a
// fixed set; latency is recorded only for requests that complete inside the measured window.
import type { Ack, LoadJob, LoadResult, VerifyJob, VerifyResult } from './loadgen-protocol.js';
import { LatencyRecorder, nowMs } from './stats.js';
import { errorKind, type KvTarget, type WorkerCursor } from './targets/target.js';

export interface LoopHooks {
  onMeasureStart(at: number): void;
  onMeasureEnd(at: number): void;
  /** Resolves when the parent says stop (used when the job has no fixed measured window). */
  stopSignal: Promise<void>;
  /** Called for every acknowledged request (only when the job records acks). */
  onAck?(ack: Ack): void;
}

export function makeValue(bytes: number, tag: string): string {
  const head = `${tag}:`;
  return head.length >= bytes ? head.slice(0, bytes) : head + 'x'.repeat(bytes - head.length);
}

export function keyName(i: number): string {
  return `bench-${String(i).padStart(6, '0')}`;
}

export async function runLoad(job: LoadJob, target: KvTarget, hooks: LoopHooks): Promise<LoadResult> {
  if (job.prefill) await prefill(job, target);

  const recorder = new LatencyRecorder();
  const errors: Record<string, number> = {};
  const acks: Ack[] | undefined = job.recordAcks ? [] : undefined;
  const failures: Array<{ startAt: number; endAt: number; kind: string }> | undefined = acks ? [] : undefined;
  const fixedValue = makeValue(job.valueBytes, 'v');
  let measuring = false;
  let stopped = false;
  let ops = 0;
  let failed = 0;
  let failedTotal = 0;
  let nextKey = 0;
  let seq = 0;
  let reachedMaxOps: () => void = () => {};
  const maxOpsReached = new Promise<void>((resolve) => (reachedMaxOps = resolve));

  const worker = async (index: number): Promise<void> => {
    // Spread workers over the preferred endpoint list only through failures: all start on the first.
    const cursor: WorkerCursor = { endpoint: 0 };
    void index;
    while (!stopped) {
      if (job.maxOps !== undefined && seq >= job.maxOps) {
        reachedMaxOps();
        return;
      }
      const unique = job.uniqueKeyPrefix !== undefined;
      const n = seq++;
      const key = unique ? `${job.uniqueKeyPrefix}${n}` : keyName(nextKey++ % job.keyCount);
      const value = acks ? makeValue(job.valueBytes, `${n}`) : fixedValue;
      const startAt = nowMs();
      const t0 = performance.now();
      try {
        if (job.op === 'write') await target.put(key, value, cursor);
        else await target.get(key, job.op === 'read-serializable', cursor);
        const ms = performance.now() - t0;
        if (measuring) {
          recorder.record(ms);
          ops++;
        }
        if (acks) {
          const ack = { key, value, startAt, ackAt: startAt + ms };
          acks.push(ack);
          hooks.onAck?.(ack);
        }
      } catch (err) {
        const kind = errorKind(err);
        errors[kind] = (errors[kind] ?? 0) + 1;
        failedTotal++;
        if (measuring) failed++;
        failures?.push({ startAt, endAt: nowMs(), kind });
        if (!stopped) await sleep(job.failureBackoffMs);
      }
    }
  };

  const workers = Array.from({ length: job.concurrency }, (_, i) => worker(i));
  // With maxOps, the window closes when the last worker has its last answer.
  const allDone = job.maxOps === undefined ? new Promise<void>(() => {}) : maxOpsReached.then(() => Promise.all(workers)).then(() => {});
  await sleep(job.warmupMs);
  measuring = true;
  const startedAt = nowMs();
  hooks.onMeasureStart(startedAt);
  if (job.measureMs === undefined) await Promise.race([hooks.stopSignal, allDone]);
  else await Promise.race([sleep(job.measureMs), hooks.stopSignal, allDone]);
  measuring = false;
  const endedAt = nowMs();
  hooks.onMeasureEnd(endedAt);
  stopped = true;
  await Promise.all(workers);

  const measuredMs = endedAt - startedAt;
  return {
    kind: 'load',
    measuredMs,
    ops,
    failed,
    opsPerSec: (ops * 1000) / measuredMs,
    latency: recorder.summary(),
    errors,
    failedTotal,
    ...(acks ? { acks } : {}),
    ...(failures ? { failures } : {}),
  };
}

async function prefill(job: LoadJob, target: KvTarget): Promise<void> {
  const value = makeValue(job.valueBytes, 'v');
  let next = 0;
  const filler = async (): Promise<void> => {
    const cursor: WorkerCursor = { endpoint: 0 };
    for (let i = next++; i < job.keyCount; i = next++) {
      for (let attempt = 0; ; attempt++) {
        try {
          await target.put(keyName(i), value, cursor);
          break;
        } catch (err) {
          if (attempt >= 20) throw new Error(`prefill of ${keyName(i)} failed: ${errorKind(err)}`, { cause: err });
          await sleep(50);
        }
      }
    }
  };
  await Promise.all(Array.from({ length: 16 }, filler));
}

/** Read every acknowledged write back (linearizable) and compare. */
export async function runVerify(job: VerifyJob, target: KvTarget): Promise<VerifyResult> {
  let next = 0;
  let checked = 0;
  let missing = 0;
  let mismatched = 0;
  let unreadable = 0;
  const examples: string[] = [];
  const reader = async (): Promise<void> => {
    const cursor: WorkerCursor = { endpoint: 0 };
    for (let i = next++; i < job.expected.length; i = next++) {
      const [key, want] = job.expected[i] ?? ['', ''];
      let got: string | null | undefined;
      for (let attempt = 0; attempt < 20 && got === undefined; attempt++) {
        try {
          got = await target.get(key, false, cursor);
        } catch {
          await sleep(50);
        }
      }
      checked++;
      if (got === undefined) unreadable++;
      else if (got === null) missing++;
      else if (got !== want) mismatched++;
      else continue;
      if (examples.length < 5) examples.push(`${key}: want ${want.slice(0, 20)}..., got ${got === undefined ? 'unreadable' : got === null ? 'absent' : got.slice(0, 20) + '...'}`);
    }
  };
  await Promise.all(Array.from({ length: job.concurrency }, reader));
  return { kind: 'verify', checked, missing, mismatched, unreadable, examples };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
