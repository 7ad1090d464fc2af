// Requests waiting for their log entry to be applied, keyed by index. Resolved directly by
// the apply loop (no polling); the entry's term tells whether it is still ours.
import type { KvResult } from '../kv/command.js';
import type { Index, Term } from '../raft/types.js';
import { TimeoutError, UnavailableError } from './types.js';

interface Waiter {
  readonly term: Term;
  readonly resolve: (r: KvResult) => void;
  readonly reject: (e: Error) => void;
  readonly timer: NodeJS.Timeout;
}

export class ProposalWaiters {
  private readonly waiters = new Map<number, Waiter>();

  get size(): number {
    return this.waiters.size;
  }

  wait(index: Index, term: Term, timeoutMs: number): Promise<KvResult> {
    // A waiter already at this index belongs to an entry of an older term that our log no longer
    // holds (we are proposing at the same index again): it will never apply.
    const previous = this.waiters.get(index);
    if (previous) {
      clearTimeout(previous.timer);
      previous.reject(new UnavailableError('the write was discarded by a leader change; retry'));
    }
    return new Promise<KvResult>((resolve, reject) => {
      const timer = setTimeout(() => {
        if (this.waiters.get(index) === waiter) this.waiters.delete(index);
        // The entry is in the log and may still commit: the outcome is unknown.
        reject(new TimeoutError(`write not confirmed within ${timeoutMs} ms; it may or may not take effect`));
      }, timeoutMs);
      const waiter: Waiter = { term, resolve, reject, timer };
      this.waiters.set(index, waiter);
    });
  }

  /** The entry at `index` (of `term`) was applied with `result`. */
  resolve(index: Index, term: Term, result: KvResult | null): void {
    const w = this.waiters.get(index);
    if (!w) return;
    this.waiters.delete(index);
    clearTimeout(w.timer);
    if (w.term !== term || result === null) {
      // Another leader's entry took this slot: ours was discarded and will never apply.
      w.reject(new UnavailableError('the write was discarded by a leader change; retry'));
    } else {
      w.resolve(result);
    }
  }

  /** Entries up to `index` were folded into a snapshot from the leader: we cannot tell their fate. */
  failUpTo(index: Index): void {
    for (const [i, w] of this.waiters) {
      if (i > index) continue;
      this.waiters.delete(i);
      clearTimeout(w.timer);
      w.reject(new TimeoutError('the write was overtaken by a snapshot; its outcome is unknown'));
    }
  }

  failAll(err: Error): void {
    for (const w of this.waiters.values()) {
      clearTimeout(w.timer);
      w.reject(err);
    }
    this.waiters.clear();
  }
}
