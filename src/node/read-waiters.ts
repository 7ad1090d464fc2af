// Linearizable reads waiting for a read index (ReadIndex, dissertation 6.4) and then for the
// state machine to apply up to it. Woken by the Ready loop, never by polling.
import { decodeRoundId, encodeRoundId } from '../raft/read-only.js';
import type { Index } from '../raft/types.js';
import { UnavailableError } from './types.js';

interface Waiter {
  index: number | null;
  readonly resolve: () => void;
  readonly reject: (e: Error) => void;
  readonly timer: NodeJS.Timeout;
}

export class ReadWaiters {
  private readonly waiters = new Map<number, Waiter>();
  private nextId = 1;
  private applied = 0;

  /** Registers a read; its context is the id the core echoes back in a ReadState. */
  add(timeoutMs: number): { context: Uint8Array; promise: Promise<void> } {
    const id = this.nextId++;
    const context = encodeRoundId(id);
    const promise = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(id);
        reject(new UnavailableError(`no quorum confirmed leadership within ${timeoutMs} ms; retry`));
      }, timeoutMs);
      this.waiters.set(id, { index: null, resolve, reject, timer });
    });
    return { context, promise };
  }

  indexed(context: Uint8Array, index: Index): void {
    const id = decodeRoundId(context) ?? -1;
    const w = this.waiters.get(id);
    if (!w) return;
    w.index = index;
    if (index <= this.applied) this.settle(id, w);
  }

  appliedUpTo(applied: number): void {
    this.applied = applied;
    for (const [id, w] of this.waiters) if (w.index !== null && w.index <= applied) this.settle(id, w);
  }

  private settle(id: number, w: Waiter): void {
    this.waiters.delete(id);
    clearTimeout(w.timer);
    w.resolve();
  }

  fail(context: Uint8Array, err: Error): void {
    const id = decodeRoundId(context) ?? -1;
    const w = this.waiters.get(id);
    if (!w) return;
    this.waiters.delete(id);
    clearTimeout(w.timer);
    w.reject(err);
  }

  /** The leader that would have answered is gone: reads still without an index never will be. */
  failUnindexed(err: Error): void {
    for (const [id, w] of this.waiters) {
      if (w.index !== null) continue;
      this.waiters.delete(id);
      clearTimeout(w.timer);
      w.reject(err);
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
