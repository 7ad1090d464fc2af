// PLACEHOLDER: the public surface of the core, being implemented now. Signatures are final.
import type { Index, Message, NodeId, ProposeResult, RaftConfig, Ready, RestoredState, Role, Snapshot, Term } from './types.js';

export interface ProgressStatus {
  readonly match: Index;
  readonly next: Index;
  readonly state: 'probe' | 'replicate' | 'snapshot';
  readonly recentActive: boolean;
}

export interface Status {
  readonly id: NodeId;
  readonly term: Term;
  readonly vote: NodeId;
  readonly role: Role;
  readonly leaderId: NodeId;
  readonly commit: Index;
  readonly applied: Index;
  readonly lastIndex: Index;
  readonly firstIndex: Index;
  readonly voters: readonly NodeId[];
  /** Only on the leader: one entry per other voter. */
  readonly progress: ReadonlyMap<NodeId, ProgressStatus>;
}

export class RawNode {
  constructor(config: RaftConfig, restored?: RestoredState) { void config; void restored; throw new Error('not yet'); }
  /** One unit of logical time. */
  tick(): void { throw new Error('not yet'); }
  /** A message from a peer. Messages for other nodes or from unknown senders are ignored. */
  step(m: Message): void { void m; throw new Error('not yet'); }
  /** Append a client command (leader only). */
  propose(data: Uint8Array): ProposeResult { void data; throw new Error('not yet'); }
  /** Ask for a linearizable read point; the answer appears later in Ready.readStates with the same context.
   *  Returns false when it cannot even be attempted (no known leader); the caller retries or fails the read. */
  readIndex(context: Uint8Array): boolean { void context; throw new Error('not yet'); }
  /** Start an election now (tests, and the TimeoutNow path). */
  campaign(): void { throw new Error('not yet'); }
  /** Leader only: hand leadership to `to` (3.10). */
  transferLeadership(to: NodeId): void { void to; throw new Error('not yet'); }
  hasReady(): boolean { throw new Error('not yet'); }
  /** Only one Ready may be outstanding: call advance(rd) before the next ready(). */
  ready(): Ready { throw new Error('not yet'); }
  advance(rd: Ready): void { void rd; throw new Error('not yet'); }
  /** The driver made a snapshot of the state machine at snapshot.meta.index (<= applied) durable;
   *  the core drops the log prefix it covers and sends it to followers that need it. */
  compact(snapshot: Snapshot): void { void snapshot; throw new Error('not yet'); }
  /** The transport could not deliver to `id`; the leader goes back to probing it. */
  reportUnreachable(id: NodeId): void { void id; throw new Error('not yet'); }
  status(): Status { throw new Error('not yet'); }
}
