// The driver-facing surface of the core (etcd rawnode.go): inputs are calls, output is a
// Ready that the driver carries out and acknowledges with advance().
import { assert } from './assert.js';
import { Raft } from './raft.js';
import {
  Role,
  type Entry,
  type HardState,
  type Index,
  type Message,
  type NodeId,
  type ProposeResult,
  type RaftConfig,
  type Ready,
  type RestoredState,
  type Snapshot,
  type SoftState,
  type Term,
} from './types.js';

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

interface Outstanding {
  readonly ready: Ready;
  readonly epoch: number;
}

export class RawNode {
  private readonly raft: Raft;
  private prevSoft: SoftState;
  private prevHard: HardState;
  private outstanding: Outstanding | null = null;
  /** Last entry handed out by takeCommitted() while a Ready was outstanding: advance() counts it applied. */
  private taken: Index = 0 as Index;

  constructor(config: RaftConfig, restored?: RestoredState) {
    this.raft = new Raft(config, restored);
    this.prevSoft = this.softState();
    this.prevHard = this.raft.hardState();
  }

  /** One unit of logical time. */
  tick(): void {
    this.raft.tick();
  }
  /** A message from a peer. Messages for other nodes are ignored. */
  step(m: Message): void {
    this.raft.step(m);
  }
  /** Append a client command (leader only). */
  propose(data: Uint8Array): ProposeResult {
    return this.raft.propose(data);
  }
  /** Ask for a linearizable read point; the answer appears later in Ready.readStates with the same context.
   *  Returns false when it cannot even be attempted (no known leader); the caller retries or fails the read. */
  readIndex(context: Uint8Array): boolean {
    return this.raft.readIndex(context);
  }
  /** Start an election now (tests, and the TimeoutNow path). */
  campaign(): void {
    this.raft.campaign();
  }
  /** Leader only: hand leadership to `to` (3.10). */
  transferLeadership(to: NodeId): void {
    this.raft.transferLeadership(to);
  }
  /** The transport could not deliver to `id`; the leader goes back to probing it. */
  reportUnreachable(id: NodeId): void {
    this.raft.reportUnreachable(id);
  }
  /** The driver made a snapshot of the state machine at snapshot.meta.index (<= applied) durable;
   *  the core drops the log prefix it covers and sends it to followers that need it. */
  compact(snapshot: Snapshot): void {
    this.raft.compact(snapshot);
  }

  /**
   * Messages that may leave at once, even while a Ready is being persisted: the leader's MsgApp
   * and heartbeats (dissertation 10.2.1), pre-votes and read-index traffic. Proposals and commit
   * advances pending since the last call are flushed into them first, so followers receive batch
   * N+1 while the leader is still writing batch N. Never returns messagesAfterPersist.
   */
  takeMessages(): Message[] {
    this.raft.flush();
    const msgs = this.raft.msgs;
    this.raft.msgs = [];
    return msgs;
  }

  /**
   * While a Ready is being carried out: the entries committed since it was handed out. They are
   * durable on a quorum (which need not include this node), so the driver may apply them and
   * answer their clients now, instead of after its own write completes; the leader of three then
   * answers as soon as both followers acknowledged, however slow its own disk or loop. The driver
   * must have applied the outstanding Ready's committedEntries first and apply these in order;
   * advance() counts them applied. Only entries already handed out to be written (in this or an
   * earlier Ready) come out, so a snapshot of the applied state never runs past them. Empty when
   * no Ready is outstanding (ready() hands them out).
   */
  takeCommitted(): Entry[] {
    const log = this.raft.log;
    if (this.outstanding === null) return [];
    const entries = log.committedAndHandedOut();
    if (entries.length === 0) return [];
    this.taken = entries[entries.length - 1]!.index;
    log.applying = this.taken;
    return entries;
  }

  private softState(): SoftState {
    return { role: this.raft.role, leaderId: this.raft.leaderId };
  }

  hasReady(): boolean {
    if (this.outstanding) return false;
    const r = this.raft;
    const { softChanged, hardChanged } = this.changes();
    return (
      softChanged ||
      hardChanged ||
      r.log.pendingSnapshot !== null ||
      r.log.hasUnstable() ||
      r.log.hasCommittedToApply() ||
      r.msgs.length > 0 ||
      r.msgsAfterPersist.length > 0 ||
      r.readStates.length > 0 ||
      r.hasPendingFlush()
    );
  }

  /** What changed in soft and hard state since the last Ready handed out. */
  private changes(): { soft: SoftState; hard: HardState; softChanged: boolean; hardChanged: boolean } {
    const soft = this.softState();
    const hard = this.raft.hardState();
    return {
      soft,
      hard,
      softChanged: soft.role !== this.prevSoft.role || soft.leaderId !== this.prevSoft.leaderId,
      hardChanged: !sameHardState(hard, this.prevHard),
    };
  }

  /** Only one Ready may be outstanding: call advance(rd) before the next ready(). */
  ready(): Ready {
    assert(this.outstanding === null, 'ready() called before advance() of the previous Ready');
    const r = this.raft;
    r.flush();
    const { soft, hard, softChanged, hardChanged } = this.changes();
    const entries = r.log.unstableEntries();
    const snapshot = r.log.pendingSnapshot;
    const committedEntries = r.log.committedToApply();
    const rd: Ready = {
      softState: softChanged ? soft : null,
      hardState: hardChanged ? hard : null,
      snapshot,
      entries,
      committedEntries,
      messages: r.msgs,
      messagesAfterPersist: r.msgsAfterPersist,
      readStates: r.readStates,
      mustSync: snapshot !== null || entries.length > 0 || (hardChanged && (hard.term !== this.prevHard.term || hard.vote !== this.prevHard.vote)),
    };
    // Accept the Ready: it is the driver's now.
    r.msgs = [];
    r.msgsAfterPersist = [];
    r.readStates = [];
    r.log.pendingSnapshot = null;
    if (entries.length > 0) r.log.unstableFrom = (entries[entries.length - 1]!.index + 1) as Index;
    if (committedEntries.length > 0) r.log.applying = committedEntries[committedEntries.length - 1]!.index;
    this.prevSoft = soft;
    if (hardChanged) this.prevHard = hard;
    this.outstanding = { ready: rd, epoch: r.log.epoch };
    return rd;
  }

  advance(rd: Ready): void {
    const out = this.outstanding;
    assert(out !== null && out.ready === rd, 'advance() of a Ready that is not the outstanding one');
    this.outstanding = null;
    const log = this.raft.log;
    // Entries replaced while this Ready was being written are not what is on disk now.
    if (out.epoch === log.epoch) {
      if (rd.snapshot) log.persisted = Math.max(log.persisted, rd.snapshot.meta.index) as Index;
      const last = rd.entries[rd.entries.length - 1];
      if (last) log.persisted = Math.max(log.persisted, last.index) as Index;
    }
    if (rd.snapshot) log.applied = Math.max(log.applied, rd.snapshot.meta.index) as Index;
    const lastApplied = rd.committedEntries[rd.committedEntries.length - 1];
    if (lastApplied) log.applied = Math.max(log.applied, lastApplied.index) as Index;
    if (this.taken > log.applied) log.applied = this.taken;
    this.raft.onPersisted();
  }

  status(): Status {
    const r = this.raft;
    const progress = new Map<NodeId, ProgressStatus>();
    if (r.role === Role.Leader) {
      for (const [id, pr] of r.progress) {
        if (id === r.id) continue;
        progress.set(id, { match: pr.match, next: pr.next, state: pr.state, recentActive: pr.recentActive });
      }
    }
    return {
      id: r.id,
      term: r.term,
      vote: r.vote,
      role: r.role,
      leaderId: r.leaderId,
      commit: r.log.committed,
      applied: r.log.applied,
      lastIndex: r.log.lastIndex(),
      firstIndex: r.log.firstIndex(),
      voters: [...r.voters],
      progress,
    };
  }
}

function sameHardState(a: HardState, b: HardState): boolean {
  return a.term === b.term && a.vote === b.vote && a.commit === b.commit;
}
