// A node's simulated disk: what is durable (hard state, snapshot, log) plus at most one
// write in flight. A crash loses the in-flight write, or tears it: a prefix of its
// entries survives and its hard state does not. The checkers read durable state from
// here, never from the core.
import type { Entry, HardState, RestoredState, Snapshot } from '../../src/raft/types.js';
import { NONE, index, term } from '../../src/raft/types.js';
import { SimFailure } from './failure.js';
import type { Prng } from './prng.js';

export interface DiskWrite {
  readonly snapshot: Snapshot | null;
  readonly entries: readonly Entry[];
  readonly hardState: HardState | null;
}

export class SimDisk {
  hardState: HardState = { term: term(0), vote: NONE, commit: index(0) };
  snapshot: Snapshot | null = null;
  /** Contiguous, starting at snapshotIndex + 1. */
  entries: Entry[] = [];

  constructor(private readonly who: string) {}

  get snapshotIndex(): number {
    return this.snapshot === null ? 0 : this.snapshot.meta.index;
  }

  get lastIndex(): number {
    return this.snapshotIndex + this.entries.length;
  }

  /** Term of the durable entry at i (the snapshot's term at its index); -1 when absent or compacted. */
  termAt(i: number): number {
    const s = this.snapshotIndex;
    if (i === s) return this.snapshot === null ? 0 : this.snapshot.meta.term;
    if (i < s || i > s + this.entries.length) return -1;
    return (this.entries[i - s - 1] as Entry).term;
  }

  entryAt(i: number): Entry | undefined {
    return this.entries[i - this.snapshotIndex - 1];
  }

  /** Applies a completed write. Returns the index of the first entry written (or 0). */
  write(w: DiskWrite): number {
    if (w.snapshot !== null) this.writeSnapshot(w.snapshot);
    const first = this.writeEntries(w.entries, w.entries.length);
    if (w.hardState !== null) this.hardState = w.hardState;
    return first;
  }

  /** A crash in the middle of `w`: keeps a prefix (maybe empty) of it, never its hard state. */
  writeTorn(w: DiskWrite, rng: Prng): number {
    if (w.snapshot !== null) {
      if (rng.chance(0.5)) return 0;
      this.writeSnapshot(w.snapshot);
    }
    const keep = rng.int(w.entries.length + 1);
    return keep === 0 ? 0 : this.writeEntries(w.entries, keep);
  }

  private writeSnapshot(s: Snapshot): void {
    // Installing a snapshot replaces the whole log: the core's log is now the snapshot
    // followed by whatever entries the same Ready carries.
    this.snapshot = s;
    this.entries = [];
  }

  private writeEntries(es: readonly Entry[], n: number): number {
    const e0 = es[0];
    if (e0 === undefined || n === 0) return 0;
    const first = e0.index as number;
    const s = this.snapshotIndex;
    if (first <= s) {
      throw new SimFailure('contract', `${this.who}: Ready.entries start at ${first}, inside the durable snapshot (index ${s})`);
    }
    if (first > this.lastIndex + 1) {
      throw new SimFailure('contract', `${this.who}: Ready.entries start at ${first} but the durable log ends at ${this.lastIndex} (gap)`);
    }
    this.entries.length = first - s - 1;
    for (let k = 0; k < n; k++) {
      const e = es[k] as Entry;
      if (e.index !== first + k) throw new SimFailure('contract', `${this.who}: Ready.entries not contiguous at ${e.index}`);
      this.entries.push(e);
    }
    return first;
  }

  /** The driver's own compaction: the snapshot is durable (atomic rename), the prefix goes. */
  compact(s: Snapshot): void {
    const i = s.meta.index as number;
    if (this.termAt(i) !== s.meta.term) {
      throw new SimFailure('safety', `${this.who}: compacting at ${i}/${s.meta.term} but the durable log has term ${this.termAt(i)} there`);
    }
    this.entries = this.entries.slice(i - this.snapshotIndex);
    this.snapshot = s;
  }

  restored(): RestoredState {
    // A durable snapshot is committed state by definition; a torn write can leave one
    // newer than the durable hard state's commit, which the core should not have to accept.
    const hs = this.hardState;
    const commit = Math.max(hs.commit, this.snapshotIndex);
    return {
      hardState: commit === hs.commit ? hs : { ...hs, commit: index(commit) },
      snapshot: this.snapshot,
      entries: this.entries.slice(),
    };
  }
}
