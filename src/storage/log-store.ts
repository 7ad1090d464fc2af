import type { Entry, HardState, RestoredState, Snapshot } from '../raft/types.js';

/** One durable write, taken from a Ready: snapshot first, then entries, then hard state. */
export interface LogUpdate {
  /** A snapshot received from the leader: replaces the whole log up to its index. */
  readonly snapshot: Snapshot | null;
  /** Entries to append; any persisted entry with index >= entries[0].index is discarded first. */
  readonly entries: readonly Entry[];
  readonly hardState: HardState | null;
}

/**
 * The durable side of a node: the write-ahead log, hard state and snapshots.
 * The core keeps its own in-memory copy of the log; this store is written through
 * and read back only at start (`RestoredState`).
 */
export interface LogStore {
  /** Make `update` durable. Resolves after one fdatasync covering everything in it. Calls are
   *  serialized by the caller (never two in flight). A disk error rejects, and the node must stop. */
  save(update: LogUpdate): Promise<void>;
  /** The driver's own snapshot of applied state: written atomically, then the log prefix up to
   *  snapshot.meta.index becomes deletable. May run while a save() is in flight. */
  saveSnapshot(snapshot: Snapshot): Promise<void>;
  /** The latest durable snapshot, if any (to send to followers). */
  latestSnapshot(): Snapshot | null;
  close(): Promise<void>;
}

export interface OpenedStore {
  readonly store: LogStore;
  readonly restored: RestoredState;
}
