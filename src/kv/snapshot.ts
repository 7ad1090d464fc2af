// The state-machine image written into a Raft snapshot. No checksum: the storage layer
// checksums the file. Deterministic: keys are written in sorted order and idempotency
// records in apply order, so two replicas with the same applied log produce the same bytes.
//
//   u8   format version (1)
//   var  lastApplied
//   f64  maxTime (largest command time applied so far)
//   var  key count, then per key (ascending): str key, str value, var revision
//   var  record count, then per record (oldest first): str idempotencyKey, f64 time, result
//   result = u8 tag, then
//     0 put ok:           str key, str value, var revision
//     1 del ok:           str key, u8 deleted, var revision
//     2 precondition failed, no current value
//     3 precondition failed: str value, var revision
import { ByteReader, ByteWriter } from './bytes.js';
import type { KeyValue, KvResult } from './command.js';
import { SnapshotDecodeError } from './errors.js';

export const SNAPSHOT_FORMAT_VERSION = 1;

export interface IdempotencyRecord {
  /** Effective apply time: max command time seen up to this command, so records are time-ordered. */
  readonly time: number;
  readonly result: KvResult;
}

export interface KvImage {
  readonly lastApplied: number;
  readonly maxTime: number;
  /** Strictly ascending by key. */
  readonly entries: readonly KeyValue[];
  /** Oldest first. */
  readonly records: ReadonlyArray<readonly [string, IdempotencyRecord]>;
}

export interface KvImageSource {
  readonly lastApplied: number;
  readonly maxTime: number;
  readonly keyCount: number;
  /** Ascending. */
  entries(): Iterable<KeyValue>;
  readonly recordCount: number;
  /** Oldest first. */
  records(): Iterable<readonly [string, IdempotencyRecord]>;
  /** A lower bound of the UTF-16 length of all keys and values, to size the buffer once. */
  readonly textUnits: number;
}

const TAG_PUT = 0;
const TAG_DEL = 1;
const TAG_FAILED_ABSENT = 2;
const TAG_FAILED = 3;

export function encodeImage(src: KvImageSource): Uint8Array {
  const steps = encodeImageSteps(src, Infinity);
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

/**
 * The same encoding, pausing (yield) after every `keysPerStep` keys so that a caller can spread a
 * large snapshot over several turns of its event loop. `src` must not change while it runs.
 */
export function* encodeImageSteps(src: KvImageSource, keysPerStep: number): Generator<void, Uint8Array, void> {
  // Per key: two length varints (1-3 bytes each) + a revision varint (~4): ~12 bytes, plus
  // the text itself (at least one byte per UTF-16 unit). Slack covers mostly-ASCII data in one
  // allocation; the writer grows if the text is wider.
  const estimate = 64 + src.textUnits + src.keyCount * 12 + src.recordCount * 64;
  const w = new ByteWriter(estimate + (estimate >>> 4));
  w.u8(SNAPSHOT_FORMAT_VERSION);
  w.varUint(src.lastApplied);
  w.f64(src.maxTime);
  w.varUint(src.keyCount);
  let n = 0;
  for (const kv of src.entries()) {
    w.string(kv.key);
    w.string(kv.value);
    w.varUint(kv.revision);
    if (++n % keysPerStep === 0) yield;
  }
  if (n !== src.keyCount) throw new Error(`snapshot: ${n} entries but keyCount ${src.keyCount}`);
  w.varUint(src.recordCount);
  for (const [idempotencyKey, rec] of src.records()) {
    w.string(idempotencyKey);
    w.f64(rec.time);
    writeResult(w, rec.result);
  }
  return w.finish();
}

function writeResult(w: ByteWriter, r: KvResult): void {
  if (!r.ok) {
    if (r.current === null) w.u8(TAG_FAILED_ABSENT);
    else {
      w.u8(TAG_FAILED);
      w.string(r.current.value);
      w.varUint(r.current.revision);
    }
  } else if (r.op === 'put') {
    w.u8(TAG_PUT);
    w.string(r.key);
    w.string(r.value);
    w.varUint(r.revision);
  } else {
    w.u8(TAG_DEL);
    w.string(r.key);
    w.u8(r.deleted ? 1 : 0);
    w.varUint(r.revision);
  }
}

function fail(message: string, cause?: unknown): never {
  throw new SnapshotDecodeError(message, cause === undefined ? undefined : { cause });
}

export function decodeImage(bytes: Uint8Array): KvImage {
  const r = new ByteReader(bytes, fail);
  const version = r.u8();
  if (version !== SNAPSHOT_FORMAT_VERSION) fail(`unsupported format version ${version}`);
  const lastApplied = r.varUint();
  const maxTime = r.f64();
  if (!Number.isFinite(maxTime)) fail(`maxTime ${maxTime}`);
  const keyCount = r.varUint();
  // Each entry takes at least 3 bytes: reject absurd counts before allocating.
  if (keyCount * 3 > r.remaining) fail(`key count ${keyCount} exceeds the data`);
  const entries = new Array<KeyValue>(keyCount);
  let prev = '';
  for (let i = 0; i < keyCount; i++) {
    const key = r.string();
    const value = r.string();
    const revision = r.varUint();
    if (i > 0 ? !(prev < key) : key.length === 0) fail(`key ${i} out of order or empty`);
    entries[i] = { key, value, revision };
    prev = key;
  }
  const recordCount = r.varUint();
  if (recordCount * 10 > r.remaining) fail(`record count ${recordCount} exceeds the data`);
  const records = new Array<readonly [string, IdempotencyRecord]>(recordCount);
  for (let i = 0; i < recordCount; i++) {
    const idempotencyKey = r.string();
    const time = r.f64();
    records[i] = [idempotencyKey, { time, result: readResult(r) }];
  }
  if (r.remaining !== 0) fail(`${r.remaining} trailing bytes`);
  return { lastApplied, maxTime, entries, records };
}

function readResult(r: ByteReader): KvResult {
  const tag = r.u8();
  switch (tag) {
    case TAG_PUT: {
      const key = r.string();
      const value = r.string();
      return { ok: true, op: 'put', key, value, revision: r.varUint() };
    }
    case TAG_DEL: {
      const key = r.string();
      const deleted = r.u8();
      if (deleted > 1) fail(`deleted flag ${deleted}`);
      return { ok: true, op: 'del', key, deleted: deleted === 1, revision: r.varUint() };
    }
    case TAG_FAILED_ABSENT:
      return { ok: false, code: 'PRECONDITION_FAILED', current: null };
    case TAG_FAILED: {
      const value = r.string();
      return { ok: false, code: 'PRECONDITION_FAILED', current: { value, revision: r.varUint() } };
    }
    default:
      return fail(`unknown result tag ${tag}`);
  }
}
