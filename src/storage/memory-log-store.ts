// An in-memory LogStore with the file store's semantics, for driver tests and the simulator.
// A save() first lands in a volatile area and becomes durable only when it resolves; crash()
// returns what was durable, optionally with a prefix of the in-flight write (a torn write,
// cut at record granularity like the WAL: leader snapshot, then entries, then hard state).
import type { Entry, HardState, Index, RestoredState, Snapshot } from '../raft/types.js';
import { NONE } from '../raft/types.js';
import { StorageClosedError, StorageIOError } from './errors.js';
import type { LogStore, LogUpdate } from './log-store.js';

export interface MemoryLogStoreOptions {
  /** Awaited before a write becomes durable: lets a simulator decide when the "fsync" ends.
   *  Default: resolves at once (after a microtask). */
  readonly syncDelay?: () => Promise<void>;
}

export interface CrashOptions {
  /** Keep a random prefix of the in-flight save(), as a torn last write would. */
  readonly tearLastWrite?: boolean;
  /** Returns an integer in [0, n); required with tearLastWrite for a replayable run. */
  readonly random?: (n: number) => number;
}

interface DurableState {
  hardState: HardState;
  snapshot: Snapshot | null;
  entries: Entry[];
}

const EMPTY_HARD_STATE: HardState = { term: 0 as HardState['term'], vote: NONE, commit: 0 as Index };

function appendEntries(state: DurableState, entries: readonly Entry[]): void {
  if (entries.length === 0) return;
  const first = entries[0]!.index;
  const base = state.entries[0]?.index ?? first;
  const keep = Math.max(0, Math.min(state.entries.length, first - base));
  state.entries.length = keep;
  for (const e of entries) state.entries.push(e);
}

function installSnapshot(state: DurableState, snapshot: Snapshot): void {
  state.snapshot = snapshot;
  state.entries = [];
}

export class MemoryLogStore implements LogStore {
  private durable: DurableState;
  private pending: LogUpdate | null = null;
  private failure: Error | null = null;
  private closed = false;
  private dead = false;

  constructor(
    restored?: RestoredState,
    private readonly options: MemoryLogStoreOptions = {},
  ) {
    this.durable = {
      hardState: restored?.hardState ?? EMPTY_HARD_STATE,
      snapshot: restored?.snapshot ?? null,
      entries: [...(restored?.entries ?? [])],
    };
  }

  /** Make every later write fail (a dying disk). The store then refuses writes, as the file store does. */
  failWrites(cause: Error = Object.assign(new Error('EIO: injected'), { code: 'EIO' })): void {
    this.failure = cause;
  }

  latestSnapshot(): Snapshot | null {
    return this.durable.snapshot;
  }

  async save(update: LogUpdate): Promise<void> {
    this.checkWritable();
    this.pending = update;
    await (this.options.syncDelay?.() ?? Promise.resolve());
    if (this.dead) throw new StorageIOError('storage: crashed before the write was durable');
    this.checkWritable();
    this.pending = null;
    if (update.snapshot) installSnapshot(this.durable, update.snapshot);
    appendEntries(this.durable, update.entries);
    if (update.hardState) this.durable.hardState = update.hardState;
  }

  async saveSnapshot(snapshot: Snapshot): Promise<void> {
    this.checkWritable();
    await (this.options.syncDelay?.() ?? Promise.resolve());
    if (this.dead) throw new StorageIOError('storage: crashed before the snapshot was durable');
    this.checkWritable();
    const current = this.durable.snapshot;
    if (current && snapshot.meta.index <= current.meta.index) return;
    this.durable.snapshot = snapshot;
    const drop = this.durable.entries.findIndex((e) => e.index > snapshot.meta.index);
    this.durable.entries = drop < 0 ? [] : this.durable.entries.slice(drop);
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  /** What a restart would read right now, without crashing (tests use it as an oracle). */
  durableState(): RestoredState {
    return restoredFrom({ ...this.durable, entries: [...this.durable.entries] });
  }

  /** The power goes out: returns what a restart would read. The store is unusable afterwards. */
  crash(options: CrashOptions = {}): RestoredState {
    this.dead = true;
    const state: DurableState = { ...this.durable, entries: [...this.durable.entries] };
    const torn = this.pending;
    if (options.tearLastWrite && torn) {
      const random = options.random ?? ((n: number) => Math.floor(Math.random() * n));
      // Records in write order: [snapshot marker], entries..., [hard state]; keep a prefix.
      const records = (torn.snapshot ? 1 : 0) + torn.entries.length + (torn.hardState ? 1 : 0);
      let keep = random(records + 1);
      if (torn.snapshot && keep > 0) {
        installSnapshot(state, torn.snapshot);
        keep--;
      }
      appendEntries(state, torn.entries.slice(0, keep));
      if (torn.hardState && keep > torn.entries.length) state.hardState = torn.hardState;
    }
    return restoredFrom(state);
  }

  private checkWritable(): void {
    if (this.dead) throw new StorageIOError('storage: crashed');
    if (this.closed) throw new StorageClosedError('log store is closed');
    if (this.failure) throw new StorageIOError('storage: write failed', { cause: this.failure });
  }
}

function restoredFrom(state: DurableState): RestoredState {
  const snapIndex = state.snapshot?.meta.index ?? 0;
  const entries = state.entries.filter((e) => e.index > snapIndex);
  const hs = state.hardState;
  return { hardState: hs.commit < snapIndex ? { ...hs, commit: snapIndex as Index } : hs, snapshot: state.snapshot, entries };
}
