// One simulated node: the core plus a driver that follows the Ready contract of
// src/raft/types.ts to the letter, over a simulated disk whose writes complete later.
import { RawNode } from '../../src/raft/raw-node.js';
import type { Entry, Message, NodeId, RaftConfig, Ready, ReadState, Role } from '../../src/raft/types.js';
import { index, NONE, Role as Roles, term } from '../../src/raft/types.js';
import type { SafetyChecker } from './checker.js';
import { SimDisk } from './disk.js';
import { SimFailure } from './failure.js';
import type { ApplyResult } from './kv-machine.js';
import { KvMachine } from './kv-machine.js';
import type { Trace } from './trace.js';

export interface DriverHost {
  readonly now: number;
  readonly checker: SafetyChecker;
  readonly trace: Trace;
  send(from: SimNode, msgs: readonly Message[]): void;
  /** Completes the node's in-flight write later (an event carrying the incarnation). */
  scheduleWrite(node: SimNode): void;
  onApplied(node: SimNode, e: Entry, result: ApplyResult): void;
  onReadState(node: SimNode, rs: ReadState): void;
  onAppliedUpTo(node: SimNode): void;
  /** Coverage counters for the run's stats. */
  count(what: 'elections' | 'snapshotsInstalled' | 'compactions'): void;
  /** The node just became leader (a fault injector may schedule its crash). */
  onBecameLeader(node: SimNode): void;
}

export class SimNode {
  raw: RawNode | null = null;
  /** Bumped by every crash, so events of a dead incarnation are ignored. */
  incarnation = 0;
  readonly disk: SimDisk;
  kv = new KvMachine();
  role: Role = Roles.Follower;
  leaderId: NodeId = NONE;
  private outstanding: Ready | null = null;
  private writing = false;
  /** Set on election: check leader completeness once the term's first entry is durable. */
  private pendingLeaderCheck: { term: number; upTo: number } | null = null;
  private booted = false;

  constructor(
    readonly idx: number,
    readonly id: NodeId,
    private readonly config: RaftConfig,
    private readonly host: DriverHost,
    private readonly compactEvery: number,
  ) {
    this.disk = new SimDisk(id);
  }

  get up(): boolean {
    return this.raw !== null;
  }

  start(): void {
    this.kv = new KvMachine();
    if (this.disk.snapshot !== null) this.kv.restore(this.disk.snapshot.data);
    this.raw = this.booted ? new RawNode(this.config, this.disk.restored()) : new RawNode(this.config);
    this.booted = true;
    this.role = Roles.Follower;
    this.leaderId = NONE;
    this.host.checker.onRestart(this.idx);
  }

  /** Power loss: the in-flight write is lost or torn; volatile state is gone. */
  crash(torn: boolean, rng: import('./prng.js').Prng): void {
    const rd = this.outstanding;
    if (this.writing && rd !== null && torn) {
      const first = this.disk.writeTorn(rd, rng);
      this.host.checker.onDurableEntries(this.idx, first);
    }
    this.raw = null;
    this.outstanding = null;
    this.writing = false;
    this.pendingLeaderCheck = null;
    this.role = Roles.Follower;
    this.leaderId = NONE;
    this.incarnation++;
  }

  /** Takes Readies while there are some and none is outstanding. */
  pump(): void {
    for (;;) {
      const raw = this.raw;
      if (raw === null) return;
      if (this.outstanding !== null) {
        // As the real driver does: what may leave during a write leaves now (10.2.1 pipelining),
        // and what a quorum made durable meanwhile is applied now.
        const early = raw.takeMessages();
        if (early.length > 0) this.host.send(this, early);
        const taken = raw.takeCommitted();
        for (const e of taken) this.host.checker.onCommitted(this.id, e);
        this.applyEntries(taken);
        if (taken.length > 0) this.host.onAppliedUpTo(this);
        return;
      }
      if (!raw.hasReady()) return;
      const rd = raw.ready();
      this.outstanding = rd;
      this.observe(raw, rd);
      this.host.send(this, rd.messages);
      // As the real driver does: committed entries are applied before this node's own write.
      this.applyReady(rd);
      for (const rs of rd.readStates) this.host.onReadState(this, rs);
      if (rd.snapshot !== null || rd.entries.length > 0 || rd.hardState !== null) {
        this.writing = true;
        this.host.scheduleWrite(this);
        return;
      }
      this.finish(raw, rd);
    }
  }

  /** The disk write of the outstanding Ready completed. */
  writeDone(incarnation: number): void {
    const raw = this.raw;
    const rd = this.outstanding;
    if (incarnation !== this.incarnation || raw === null || rd === null || !this.writing) return;
    const first = this.disk.write(rd);
    this.host.checker.onDurableEntries(this.idx, first);
    if (rd.hardState !== null) this.host.checker.onDurableHardState(this.idx, rd.hardState.term, rd.hardState.vote);
    const lc = this.pendingLeaderCheck;
    if (lc !== null && rd.entries.some((e) => e.term === lc.term)) {
      this.host.checker.checkLeaderLog(this.idx, lc.term, lc.upTo);
      this.pendingLeaderCheck = null;
    }
    this.writing = false;
    this.finish(raw, rd);
    this.pump();
  }

  private observe(raw: RawNode, rd: Ready): void {
    const checker = this.host.checker;
    const tr = this.host.trace;
    tr.add(this.host.now, 'ready', this.id, null, rd);
    if (rd.softState !== null) {
      this.role = rd.softState.role;
      this.leaderId = rd.softState.leaderId;
      if (rd.softState.role === Roles.Leader) {
        const st = raw.status();
        checker.noteLeader(this.id, st.term, 'Ready.softState');
        checker.checkElected(this.id, st.term);
        this.host.count('elections');
        const upTo = checker.requiredUpTo(st.term);
        if (st.lastIndex < upTo) {
          throw new SimFailure('safety', `leader completeness: ${this.id} became leader of term ${st.term} with lastIndex ${st.lastIndex} < ${upTo} committed before`);
        }
        this.pendingLeaderCheck = { term: st.term, upTo };
        this.host.onBecameLeader(this);
      } else {
        this.pendingLeaderCheck = null;
      }
    }
    const hs = rd.hardState;
    if (hs !== null) checker.onHardState(this.idx, hs.term, hs.vote, hs.commit);
    for (const e of rd.committedEntries) checker.onCommitted(this.id, e);
  }

  private applyReady(rd: Ready): void {
    if (rd.snapshot !== null) {
      const s = rd.snapshot;
      if (s.meta.index < this.kv.appliedIndex) {
        throw new SimFailure('contract', `${this.id}: Ready.snapshot at ${s.meta.index} is behind applied ${this.kv.appliedIndex}`);
      }
      this.kv.restore(s.data);
      this.host.count('snapshotsInstalled');
      this.host.checker.onRestore(this.id, s, this.kv.appliedIndex, this.kv.appliedTerm, this.kv.hash);
    }
    this.applyEntries(rd.committedEntries);
    if (rd.snapshot !== null || rd.committedEntries.length > 0) this.host.onAppliedUpTo(this);
  }

  private applyEntries(entries: readonly Entry[]): void {
    for (const e of entries) {
      if (e.index !== this.kv.appliedIndex + 1) {
        throw new SimFailure('contract', `${this.id}: committed entry ${e.index} does not follow applied ${this.kv.appliedIndex}`);
      }
      const result = this.kv.apply(e.index, e.term, e.data);
      this.host.checker.onApplied(this.id, e.index, this.kv.hash);
      this.host.onApplied(this, e, result);
    }
  }

  private finish(raw: RawNode, rd: Ready): void {
    this.host.send(this, rd.messagesAfterPersist);
    raw.advance(rd);
    this.outstanding = null;
    this.maybeCompact(raw);
  }

  private maybeCompact(raw: RawNode): void {
    const applied = this.kv.appliedIndex;
    if (applied - this.disk.snapshotIndex < this.compactEvery || applied === 0) return;
    // Entries applied before this node's own copy is durable (takeCommitted): the simulated disk
    // compacts only what it holds, so wait for a later write. (The real store accepts a snapshot
    // past its log: a marker keeps the next append contiguous on replay.)
    if (applied > this.disk.lastIndex) return;
    const snap = {
      meta: { index: index(applied), term: term(this.kv.appliedTerm), conf: { voters: this.config.voters } },
      data: this.kv.snapshot(),
    };
    this.disk.compact(snap);
    raw.compact(snap);
    this.host.count('compactions');
    const t = this.kv.appliedTerm;
    this.host.trace.add(this.host.now, 'compact', this.id, null, () => `at ${applied}/${t}`);
  }
}
