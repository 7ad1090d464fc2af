// The replicated key-value state machine. Every node applies the same committed entries
// in the same order and so reaches the same state: nothing here reads a clock or a random
// source; time arrives inside each command (the proposing leader's clock).
//
// Storage: a Map for point reads and a SortedKeys index (sorted chunks) for prefix listing.
// Overwriting an existing key touches only the Map; only creating or deleting a key
// touches the index. Records are immutable KeyValue objects, so a value returned by get()
// or list() never changes under the caller.
import assert from 'node:assert/strict';
import { decodeCommand } from './codec.js';
import type { KeyValue, KvCommand, KvResult } from './command.js';
import { decodeImage, encodeImage, encodeImageSteps, type IdempotencyRecord } from './snapshot.js';
import { SortedKeys } from './sorted-keys.js';

export interface KvStateMachineOptions {
  /** How long an Idempotency-Key is remembered, in command time. Default 10 minutes. */
  readonly idempotencyRetentionMs?: number;
  /** At most this many idempotency records are kept; the oldest go first. Default 100,000. */
  readonly idempotencyRecordsMax?: number;
}

export const DEFAULT_IDEMPOTENCY_RETENTION_MS = 10 * 60 * 1000;
export const DEFAULT_IDEMPOTENCY_RECORDS_MAX = 100_000;

export interface KvListResult {
  readonly items: KeyValue[];
  readonly more: boolean;
}

export class KvStateMachine {
  private readonly retentionMs: number;
  private readonly recordsMax: number;

  private data = new Map<string, KeyValue>();
  private index = new SortedKeys();
  /** Insertion order = apply order = time order (record times are clamped to be monotonic). */
  private records = new Map<string, IdempotencyRecord>();
  private applied = 0;
  /** Largest command time applied so far; the log's notion of "now". */
  private maxTime = 0;
  /** Sum of key and value lengths in UTF-16 units: sizes the snapshot buffer. */
  private textUnits = 0;

  constructor(options: KvStateMachineOptions = {}) {
    this.retentionMs = options.idempotencyRetentionMs ?? DEFAULT_IDEMPOTENCY_RETENTION_MS;
    this.recordsMax = options.idempotencyRecordsMax ?? DEFAULT_IDEMPOTENCY_RECORDS_MAX;
    assert(this.retentionMs >= 0 && this.recordsMax >= 0);
  }

  get lastApplied(): number {
    return this.applied;
  }

  /** Number of keys. */
  get size(): number {
    return this.data.size;
  }

  /** Number of idempotency records currently remembered. */
  get idempotencyRecords(): number {
    return this.records.size;
  }

  /**
   * Applies the committed entry at `index`. Empty `data` is the leader's no-op (also pass
   * empty data for non-command entries such as configuration changes): it only advances
   * lastApplied and returns null. Throws CommandDecodeError if `data` is not a command;
   * that is a bug or corruption upstream, and every replica would fail the same way.
   */
  apply(index: number, data: Uint8Array): KvResult | null {
    if (index <= this.applied) assert.fail(`apply(${index}) after lastApplied ${this.applied}`);
    if (data.length === 0) {
      this.applied = index;
      return null;
    }
    return this.applyCommand(index, decodeCommand(data));
  }

  /** Applies an already-decoded command (for tests and the simulator's reference model). */
  applyCommand(index: number, cmd: KvCommand): KvResult {
    if (index <= this.applied) assert.fail(`apply(${index}) after lastApplied ${this.applied}`);
    this.applied = index;
    if (cmd.time > this.maxTime) this.maxTime = cmd.time;
    this.expireRecords();

    const idem = cmd.idempotencyKey;
    if (idem !== undefined) {
      const seen = this.records.get(idem);
      if (seen) return seen.result;
    }
    const result = this.execute(index, cmd);
    if (idem !== undefined) {
      this.records.set(idem, { time: this.maxTime, result });
      if (this.records.size > this.recordsMax) this.dropOldestRecords(this.records.size - this.recordsMax);
    }
    return result;
  }

  private execute(index: number, cmd: KvCommand): KvResult {
    const current = this.data.get(cmd.key);
    if (cmd.prevValue !== undefined && (current === undefined || current.value !== cmd.prevValue)) {
      return preconditionFailed(current);
    }
    if (cmd.prevRevision !== undefined) {
      const revision = current === undefined ? 0 : current.revision;
      if (revision !== cmd.prevRevision) return preconditionFailed(current);
    }
    if (cmd.op === 'put') {
      const kv: KeyValue = { key: cmd.key, value: cmd.value, revision: index };
      this.data.set(cmd.key, kv);
      if (current === undefined) {
        this.index.insert(cmd.key);
        this.textUnits += cmd.key.length + cmd.value.length;
      } else {
        this.textUnits += cmd.value.length - current.value.length;
      }
      return { ok: true, op: 'put', key: cmd.key, value: cmd.value, revision: index };
    }
    if (current !== undefined) {
      this.data.delete(cmd.key);
      this.index.delete(cmd.key);
      this.textUnits -= current.key.length + current.value.length;
    }
    return { ok: true, op: 'del', key: cmd.key, deleted: current !== undefined, revision: index };
  }

  private expireRecords(): void {
    const cutoff = this.maxTime - this.retentionMs;
    for (const [key, rec] of this.records) {
      if (rec.time >= cutoff) break;
      this.records.delete(key);
    }
  }

  private dropOldestRecords(n: number): void {
    for (const key of this.records.keys()) {
      if (n-- <= 0) break;
      this.records.delete(key);
    }
  }

  get(key: string): KeyValue | undefined {
    return this.data.get(key);
  }

  /** Keys starting with `prefix`, ascending (JS string order), at most `limit` of them. */
  list(prefix: string, limit: number): KvListResult {
    if (!Number.isInteger(limit) || limit < 0) assert.fail(`list limit ${limit}`);
    const { keys, more } = this.index.range(prefix, limit);
    const items = new Array<KeyValue>(keys.length);
    for (let i = 0; i < keys.length; i++) items[i] = this.data.get(keys[i]!)!;
    return { items, more };
  }

  /** The whole state (keys, idempotency records, lastApplied) as bytes; see snapshot.ts. */
  snapshot(): Uint8Array {
    const data = this.data;
    const index = this.index;
    const records = this.records;
    return encodeImage({
      lastApplied: this.applied,
      maxTime: this.maxTime,
      keyCount: data.size,
      textUnits: this.textUnits,
      *entries() {
        for (const key of index) yield data.get(key)!;
      },
      recordCount: records.size,
      records: () => records.entries(),
    });
  }

  /**
   * The same bytes as snapshot(), produced in steps of `keysPerStep` keys: the state as it is now
   * is captured at once (references to the immutable records, in key order), and the encoding of
   * that capture proceeds at each next(), while applies may continue between steps.
   */
  snapshotSteps(keysPerStep: number): Generator<void, Uint8Array, void> {
    const entries = new Array<KeyValue>(this.data.size);
    let i = 0;
    for (const key of this.index) entries[i++] = this.data.get(key)!;
    const records = [...this.records.entries()];
    return encodeImageSteps(
      {
        lastApplied: this.applied,
        maxTime: this.maxTime,
        keyCount: entries.length,
        textUnits: this.textUnits,
        entries: () => entries,
        recordCount: records.length,
        records: () => records,
      },
      keysPerStep,
    );
  }

  /** Replaces the whole state with a snapshot's. Throws SnapshotDecodeError on bad bytes (state unchanged). */
  restore(bytes: Uint8Array): void {
    const image = decodeImage(bytes);
    const data = new Map<string, KeyValue>();
    const keys = new Array<string>(image.entries.length);
    let textUnits = 0;
    for (let i = 0; i < image.entries.length; i++) {
      const kv = image.entries[i]!;
      data.set(kv.key, kv);
      keys[i] = kv.key;
      textUnits += kv.key.length + kv.value.length;
    }
    this.data = data;
    this.index = SortedKeys.fromSorted(keys);
    this.records = new Map(image.records);
    this.applied = image.lastApplied;
    this.maxTime = image.maxTime;
    this.textUnits = textUnits;
  }
}

function preconditionFailed(current: KeyValue | undefined): KvResult {
  return {
    ok: false,
    code: 'PRECONDITION_FAILED',
    current: current === undefined ? null : { value: current.value, revision: current.revision },
  };
}
