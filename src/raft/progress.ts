// The leader's view of one follower (etcd tracker/progress.go, inflights.go).
//
// probe:     we do not know where the follower's log matches; send one MsgApp at a time
//            and wait for its answer (or the next heartbeat answer) before the next.
// replicate: the follower is caught up to `match`; stream MsgApps optimistically, advancing
//            `next` as they are sent, bounded by the in-flight window.
// snapshot:  the follower needs a snapshot; send nothing else until it is acknowledged
//            or the attempt times out.
import type { Index } from './types.js';

export type ProgressState = 'probe' | 'replicate' | 'snapshot';

/** A bounded window of MsgApps sent but not yet acknowledged: their last index and size. */
export class Inflights {
  private readonly lastIndexes: number[] = [];
  private readonly sizes: number[] = [];
  private bytes = 0;
  constructor(private readonly maxMsgs: number, private readonly maxBytes: number) {}

  add(lastIndex: Index, bytes: number): void {
    this.lastIndexes.push(lastIndex);
    this.sizes.push(bytes);
    this.bytes += bytes;
  }
  /** Everything up to and including `index` was acknowledged. */
  freeLE(index: Index): void {
    let n = 0;
    while (n < this.lastIndexes.length && this.lastIndexes[n]! <= index) {
      this.bytes -= this.sizes[n]!;
      n++;
    }
    this.lastIndexes.splice(0, n);
    this.sizes.splice(0, n);
  }
  freeFirstOne(): void {
    if (this.lastIndexes.length === 0) return;
    this.bytes -= this.sizes[0]!;
    this.lastIndexes.shift();
    this.sizes.shift();
  }
  full(): boolean {
    return this.lastIndexes.length >= this.maxMsgs || (this.maxBytes > 0 && this.bytes >= this.maxBytes);
  }
  count(): number {
    return this.lastIndexes.length;
  }
  reset(): void {
    this.lastIndexes.length = 0;
    this.sizes.length = 0;
    this.bytes = 0;
  }
}

export class Progress {
  /** Invariant: match < next. */
  match: Index = 0 as Index;
  next: Index;
  state: ProgressState = 'probe';
  /** probe state: a MsgApp is outstanding; no more until a reply or a heartbeat reply. */
  probeSent = false;
  /** snapshot state: the index of the snapshot being sent, and ticks since it was sent. */
  pendingSnapshot: Index = 0 as Index;
  snapshotTicks = 0;
  /** Heard from since the last check-quorum round. */
  recentActive = false;
  readonly inflights: Inflights;

  constructor(next: Index, maxInflightMsgs: number, maxInflightBytes: number) {
    this.next = next;
    this.inflights = new Inflights(maxInflightMsgs, maxInflightBytes);
  }

  private resetState(state: ProgressState): void {
    this.state = state;
    this.probeSent = false;
    this.pendingSnapshot = 0 as Index;
    this.snapshotTicks = 0;
    this.inflights.reset();
  }

  becomeProbe(): void {
    // After a snapshot, resume right after what it covered (or what was matched since).
    const from = this.state === 'snapshot' ? Math.max(this.match, this.pendingSnapshot) : this.match;
    this.resetState('probe');
    this.next = (from + 1) as Index;
  }
  becomeReplicate(): void {
    this.resetState('replicate');
    this.next = (this.match + 1) as Index;
  }
  becomeSnapshot(snapshotIndex: Index): void {
    this.resetState('snapshot');
    this.pendingSnapshot = snapshotIndex;
  }

  /** A successful MsgAppResp for `n`. Returns whether `match` moved (stale replies do not). */
  maybeUpdate(n: Index): boolean {
    let updated = false;
    if (this.match < n) {
      this.match = n;
      updated = true;
      this.probeSent = false;
    }
    if (this.next < n + 1) this.next = (n + 1) as Index;
    return updated;
  }

  /**
   * A rejection of the MsgApp whose previous index was `rejected`; `matchHint` is the highest
   * index that may still match (from the follower's conflict hint). Returns false for stale rejections.
   */
  maybeDecrTo(rejected: Index, matchHint: Index): boolean {
    if (this.state === 'replicate') {
      if (rejected <= this.match) return false;
      this.next = (this.match + 1) as Index;
      return true;
    }
    // In probe state only the answer to the probe we sent counts.
    if (this.next - 1 !== rejected) return false;
    this.next = Math.max(Math.min(rejected, matchHint + 1), this.match + 1) as Index;
    this.probeSent = false;
    return true;
  }

  isPaused(): boolean {
    switch (this.state) {
      case 'probe':
        return this.probeSent;
      case 'replicate':
        return this.inflights.full();
      case 'snapshot':
        return true;
    }
  }
}
