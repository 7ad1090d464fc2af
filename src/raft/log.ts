// The core's in-memory copy of the log since the last snapshot, with the cursors that
// say what is durable, committed and applied (etcd log.go + log_unstable.go, merged:
// the driver keeps the durable copy and hands it back only at start).
import { assert } from './assert.js';
import type { Entry, Index, Snapshot, SnapshotMeta, Term } from './types.js';

export class RaftLog {
  /** The snapshot the log starts after; index 0 / term 0 when none. */
  private snapIndex: Index;
  private snapTerm: Term;
  /** entries[i].index === snapIndex + 1 + i. Invariant: contiguous. */
  private entries: Entry[];

  /** Highest index known committed. Invariant: committed <= lastIndex(). Never decreases. */
  committed: Index;
  /** Highest index the driver confirmed applied (advance). Invariant: applied <= committed. */
  applied: Index;
  /** Highest index handed to the driver to apply, not yet confirmed. applied <= applying <= committed. */
  applying: Index;
  /** Entries 1..persisted of this log are durable. Only the leader relies on it (self-acks). */
  persisted: Index;
  /** First index not yet handed to the driver for persistence. */
  unstableFrom: Index;
  /** A snapshot received from a leader, not yet handed to the driver. */
  pendingSnapshot: Snapshot | null = null;
  /** Bumped whenever entries the driver may be writing are replaced (truncation, restore). */
  epoch = 0;
  /** The first index replaced by the latest truncation (0: none yet). */
  truncatedFrom = 0;

  constructor(snapshot: SnapshotMeta | null, entries: readonly Entry[], committed: Index) {
    this.snapIndex = snapshot?.index ?? (0 as Index);
    this.snapTerm = snapshot?.term ?? (0 as Term);
    this.entries = entries.slice();
    for (let i = 0; i < this.entries.length; i++) {
      assert(this.entries[i]!.index === this.snapIndex + 1 + i, () => `restored entries not contiguous at ${i}`);
    }
    // A commit index beyond what survived on disk is impossible if persistence was honoured.
    assert(committed <= this.lastIndex(), () => `restored commit ${committed} beyond last index ${this.lastIndex()}`);
    this.committed = Math.max(committed, this.snapIndex) as Index;
    this.applied = this.snapIndex;
    this.applying = this.snapIndex;
    this.persisted = this.lastIndex();
    this.unstableFrom = (this.lastIndex() + 1) as Index;
  }

  firstIndex(): Index {
    return (this.snapIndex + 1) as Index;
  }
  lastIndex(): Index {
    return (this.snapIndex + this.entries.length) as Index;
  }
  lastTerm(): Term {
    return this.term(this.lastIndex())!;
  }
  snapshotIndex(): Index {
    return this.snapIndex;
  }
  snapshotTerm(): Term {
    return this.snapTerm;
  }

  /** The term of entry i; undefined when i is compacted away or beyond the end. */
  term(i: number): Term | undefined {
    if (i === this.snapIndex) return this.snapTerm;
    if (i < this.snapIndex || i > this.lastIndex()) return undefined;
    return this.entries[i - this.snapIndex - 1]!.term;
  }

  matchTerm(i: number, t: Term): boolean {
    return this.term(i) === t;
  }

  /** Raft §5.4.1: a candidate's log is at least as up-to-date as ours. */
  isUpToDate(lastIndex: Index, lastTerm: Term): boolean {
    const myTerm = this.lastTerm();
    return lastTerm > myTerm || (lastTerm === myTerm && lastIndex >= this.lastIndex());
  }

  /** Entries [lo, hi) limited to maxBytes of data, always at least one when lo < hi. */
  slice(lo: number, hi: number, maxBytes: number): Entry[] {
    assert(lo > this.snapIndex, () => `slice(${lo}) of compacted log (snapshot ${this.snapIndex})`);
    assert(hi <= this.lastIndex() + 1, () => `slice(${lo},${hi}) beyond last ${this.lastIndex()}`);
    const out: Entry[] = [];
    let bytes = 0;
    for (let i = lo; i < hi; i++) {
      const e = this.entries[i - this.snapIndex - 1]!;
      bytes += e.data.length + 24;
      if (out.length > 0 && bytes > maxBytes) break;
      out.push(e);
    }
    return out;
  }

  /** Leader append: entries continue the log exactly. */
  append(entries: readonly Entry[]): void {
    for (const e of entries) {
      assert(e.index === this.lastIndex() + 1, () => `append of ${e.index} after ${this.lastIndex()}`);
      this.entries.push(e);
    }
  }

  /**
   * Follower append (Figure 2, AppendEntries receiver rules 2-5). Returns the index of the last
   * entry now known to match the leader, or undefined when the consistency check fails.
   * The commit index moves only up to that verified entry, never beyond.
   */
  maybeAppend(prevIndex: Index, prevTerm: Term, leaderCommit: Index, entries: readonly Entry[]): Index | undefined {
    if (!this.matchTerm(prevIndex, prevTerm)) return undefined;
    const lastNew = (prevIndex + entries.length) as Index;
    const conflict = this.findConflict(entries);
    if (conflict !== 0) {
      assert(conflict > this.committed, () => `entry ${conflict} conflicts with committed ${this.committed}`);
      const from = conflict - (prevIndex + 1);
      this.truncateAndAppend(entries.slice(from));
    }
    this.commitTo(Math.min(leaderCommit, lastNew) as Index);
    return lastNew;
  }

  /** The first entry whose term differs from ours (or that we lack); 0 when all match. */
  private findConflict(entries: readonly Entry[]): number {
    for (const e of entries) {
      if (!this.matchTerm(e.index, e.term)) return e.index;
    }
    return 0;
  }

  private truncateAndAppend(entries: readonly Entry[]): void {
    if (entries.length === 0) return;
    const first = entries[0]!.index;
    assert(first > this.snapIndex, () => `append at ${first} inside snapshot ${this.snapIndex}`);
    if (first <= this.lastIndex()) {
      this.entries.length = first - this.snapIndex - 1;
      this.epoch++;
      this.truncatedFrom = first;
      if (this.persisted >= first) this.persisted = (first - 1) as Index;
      if (this.unstableFrom > first) this.unstableFrom = first;
    }
    this.append(entries);
  }

  /**
   * Fast back-tracking (etcd findConflictByTerm): the largest index <= i whose term is <= t.
   * Every entry above it has a term > t and cannot match a leader entry of term t.
   */
  findConflictByTerm(i: Index, t: Term): Index {
    let idx = Math.min(i, this.lastIndex());
    while (idx > this.snapIndex) {
      const et = this.term(idx)!;
      if (et <= t) break;
      idx--;
    }
    return idx as Index;
  }

  commitTo(i: Index): void {
    if (i <= this.committed) return;
    assert(i <= this.lastIndex(), () => `commit ${i} beyond last index ${this.lastIndex()}`);
    this.committed = i;
  }

  /** Install a snapshot from the leader: the log now starts after it. */
  restore(snapshot: Snapshot): void {
    assert(snapshot.meta.index > this.committed, 'restore of a snapshot not ahead of commit');
    this.snapIndex = snapshot.meta.index;
    this.snapTerm = snapshot.meta.term;
    this.entries = [];
    this.committed = snapshot.meta.index;
    this.applying = snapshot.meta.index;
    this.persisted = Math.min(this.persisted, snapshot.meta.index - 1) as Index;
    this.unstableFrom = (snapshot.meta.index + 1) as Index;
    this.pendingSnapshot = snapshot;
    this.epoch++;
  }

  /** The driver took a snapshot at i (<= applied): drop the prefix it covers. */
  compact(i: Index, t: Term): void {
    if (i <= this.snapIndex) return;
    assert(i <= this.applied, () => `compaction at ${i} beyond applied ${this.applied}`);
    assert(i < this.unstableFrom, () => `compaction at ${i} covers entries from ${this.unstableFrom} not yet handed out to be written`);
    assert(this.term(i) === t, () => `compaction at ${i}: term ${t} but log has ${this.term(i)}`);
    this.entries = this.entries.slice(i - this.snapIndex);
    this.snapIndex = i;
    this.snapTerm = t;
  }

  hasUnstable(): boolean {
    return this.unstableFrom <= this.lastIndex();
  }
  unstableEntries(): Entry[] {
    if (!this.hasUnstable()) return [];
    return this.entries.slice(this.unstableFrom - this.snapIndex - 1);
  }

  hasCommittedToApply(): boolean {
    return this.committed > this.applying;
  }
  /** Committed entries not yet handed out for applying, up to `upTo` (default: all). */
  committedToApply(upTo: number = this.committed): Entry[] {
    if (upTo <= this.applying) return [];
    return this.entries.slice(this.applying - this.snapIndex, upTo - this.snapIndex);
  }
  /** The same, among those already handed out for persisting: a snapshot the driver takes after
   *  applying them never covers an entry that is still only in memory here (compaction would
   *  drop it before it is written). */
  committedAndHandedOut(): Entry[] {
    const upTo = Math.min(this.committed, this.unstableFrom - 1);
    return this.committedToApply(upTo);
  }
}
