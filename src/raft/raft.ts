// The Raft state machine: roles, elections, replication, commit, reads, transfer.
// Pure: every input is a call, every output lands in `msgs`/`msgsAfterPersist`/`readStates`
// or in the log's cursors, collected by RawNode.ready().
import { assert } from './assert.js';
import { RaftLog } from './log.js';
import { newMessage } from './message.js';
import { Progress } from './progress.js';
import { committedIndex, voteResult } from './quorum.js';
import { decodeRoundId, encodeRoundId, ReadOnly } from './read-only.js';
import {
  EntryType,
  MessageType,
  NONE,
  Role,
  type Entry,
  type HardState,
  type Index,
  type Message,
  type NodeId,
  type ProposeResult,
  type RaftConfig,
  type ReadState,
  type RestoredState,
  type Snapshot,
  type Term,
} from './types.js';

/** MsgVote context marking a campaign ordered by leadership transfer: it may bypass leases. */
const TRANSFER_CONTEXT = new Uint8Array([1]);

/** Messages that do not depend on anything in the current Ready being durable. */
const SEND_BEFORE_PERSIST: ReadonlySet<number> = new Set([
  MessageType.MsgApp,
  MessageType.MsgHeartbeat,
  MessageType.MsgSnap,
  MessageType.MsgTimeoutNow,
  MessageType.MsgPreVote,
  MessageType.MsgReadIndex,
  MessageType.MsgReadIndexResp,
]);

export class Raft {
  readonly id: NodeId;
  term: Term = 0 as Term;
  vote: NodeId = NONE;
  role: Role = Role.Follower;
  leaderId: NodeId = NONE;
  readonly log: RaftLog;
  voters: NodeId[];

  /** Leader only: one per voter, self included (self.match = durable last index). */
  readonly progress = new Map<NodeId, Progress>();
  /** Candidate / pre-candidate: answers received in this campaign. */
  private votes = new Map<NodeId, boolean>();
  /** Leader only: the member we are handing leadership to. */
  leadTransferee: NodeId = NONE;
  private readonly readOnly = new ReadOnly();
  /** Leader: proposals or reads arrived since the last ready(); flushed once per driver turn. */
  private pendingBroadcast = false;
  /** Leader: the commit index moved and followers have not been told. It rides on the next
   *  MsgApp of a flush, or goes out by itself at the next tick: never a message of its own per
   *  commit, which would double the messages of every write. */
  private commitNews = false;

  private electionElapsed = 0;
  private heartbeatElapsed = 0;
  private randomizedElectionTimeout = 0;

  readonly electionTicks: number;
  readonly heartbeatTicks: number;
  private readonly cfg: Required<Omit<RaftConfig, 'id' | 'voters'>>;

  msgs: Message[] = [];
  msgsAfterPersist: Message[] = [];
  readStates: ReadState[] = [];
  /** The latest snapshot the driver handed us, sent to followers behind our log start. */
  snapshot: Snapshot | null;

  constructor(config: RaftConfig, restored?: RestoredState) {
    assert(config.heartbeatTicks > 0 && config.electionTicks > config.heartbeatTicks, 'need 0 < heartbeatTicks < electionTicks');
    this.id = config.id;
    this.cfg = {
      electionTicks: config.electionTicks,
      heartbeatTicks: config.heartbeatTicks,
      random: config.random,
      preVote: config.preVote ?? true,
      checkQuorum: config.checkQuorum ?? true,
      maxMsgBytes: config.maxMsgBytes ?? 1024 * 1024,
      maxInflightMsgs: config.maxInflightMsgs ?? 256,
      maxInflightBytes: config.maxInflightBytes ?? 0,
    };
    this.electionTicks = config.electionTicks;
    this.heartbeatTicks = config.heartbeatTicks;
    const snap = restored?.snapshot ?? null;
    this.snapshot = snap;
    this.voters = [...(snap?.meta.conf.voters ?? config.voters)];
    assert(new Set(this.voters).size === this.voters.length, 'duplicate voters');
    this.log = new RaftLog(snap?.meta ?? null, restored?.entries ?? [], restored?.hardState.commit ?? (0 as Index));
    if (restored) {
      this.term = restored.hardState.term;
      this.vote = restored.hardState.vote;
    }
    this.becomeFollower(this.term, NONE);
  }

  hardState(): HardState {
    return { term: this.term, vote: this.vote, commit: this.log.committed };
  }

  isVoter(id: NodeId = this.id): boolean {
    return this.voters.includes(id);
  }

  // ---------------------------------------------------------------- sending

  private send(m: Message): void {
    (SEND_BEFORE_PERSIST.has(m.type) ? this.msgs : this.msgsAfterPersist).push(m);
  }

  private msg(type: Message['type'], to: NodeId, fields: Partial<Message> = {}): Message {
    return newMessage({ type, from: this.id, to, term: this.term, ...fields });
  }

  /** Send the follower what it lacks, as far as its progress state allows. Returns whether a message went out. */
  private sendAppend(to: NodeId, sendIfEmpty = true): boolean {
    const pr = this.progress.get(to)!;
    if (pr.isPaused()) return false;
    const prevIndex = (pr.next - 1) as Index;
    const prevTerm = this.log.term(prevIndex);
    if (prevTerm === undefined || pr.next < this.log.firstIndex()) return this.sendSnapshot(to, pr);
    const last = this.log.lastIndex();
    const entries = pr.next <= last ? this.log.slice(pr.next, last + 1, this.cfg.maxMsgBytes) : [];
    if (entries.length === 0 && !sendIfEmpty) return false;
    this.send(this.msg(MessageType.MsgApp, to, { index: prevIndex, logTerm: prevTerm, entries, commit: this.log.committed }));
    if (entries.length > 0) {
      if (pr.state === 'replicate') {
        const lastSent = entries[entries.length - 1]!.index;
        pr.next = (lastSent + 1) as Index;
        pr.inflights.add(lastSent, entries.reduce((n, e) => n + e.data.length, 0));
      }
    }
    if (pr.state === 'probe') pr.probeSent = true;
    return true;
  }

  private sendSnapshot(to: NodeId, pr: Progress): boolean {
    const snap = this.snapshot;
    assert(snap !== null, () => `follower ${to} needs entry ${pr.next} below log start ${this.log.firstIndex()} but there is no snapshot`);
    pr.becomeSnapshot(snap.meta.index);
    this.send(this.msg(MessageType.MsgSnap, to, { snapshot: snap }));
    return true;
  }

  private bcastAppend(): void {
    for (const id of this.progress.keys()) if (id !== this.id) this.sendAppend(id);
  }

  private bcastHeartbeat(context: Uint8Array = new Uint8Array(0)): void {
    for (const [id, pr] of this.progress) {
      if (id === this.id) continue;
      // Never tell a follower to commit beyond what it is known to hold.
      const commit = Math.min(pr.match, this.log.committed) as Index;
      this.send(this.msg(MessageType.MsgHeartbeat, id, { commit, context }));
    }
  }

  // ---------------------------------------------------------------- role changes

  private reset(term: Term): void {
    if (this.term !== term) {
      this.term = term;
      this.vote = NONE;
    }
    this.leaderId = NONE;
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.randomizedElectionTimeout = this.cfg.electionTicks + this.cfg.random(this.cfg.electionTicks);
    this.votes = new Map();
    this.progress.clear();
    this.leadTransferee = NONE;
    this.readOnly.reset();
    this.pendingBroadcast = false;
    this.commitNews = false;
  }

  becomeFollower(term: Term, leader: NodeId): void {
    this.reset(term);
    this.role = Role.Follower;
    this.leaderId = leader;
  }

  private becomePreCandidate(): void {
    assert(this.role !== Role.Leader, 'leader cannot become pre-candidate');
    // Pre-vote changes neither term nor vote: a partitioned node that keeps failing
    // pre-votes never inflates its term and never disrupts the cluster when it returns.
    this.votes = new Map();
    this.progress.clear();
    this.role = Role.PreCandidate;
    this.leaderId = NONE;
  }

  private becomeCandidate(): void {
    assert(this.role !== Role.Leader, 'leader cannot become candidate');
    this.reset((this.term + 1) as Term);
    this.vote = this.id;
    this.role = Role.Candidate;
  }

  private becomeLeader(): void {
    assert(this.role === Role.Candidate, 'only a candidate becomes leader');
    const term = this.term;
    this.reset(term);
    this.role = Role.Leader;
    this.leaderId = this.id;
    const last = this.log.lastIndex();
    for (const id of this.voters) {
      const pr = new Progress((last + 1) as Index, this.cfg.maxInflightMsgs, this.cfg.maxInflightBytes);
      // Our own progress counts only what is durable here (10.2.1); it is never sent to.
      if (id === this.id) pr.match = this.log.persisted;
      this.progress.set(id, pr);
    }
    // The no-op of the new term (dissertation 6.4): entries of earlier terms commit only
    // under an entry of the current term, and reads need one committed in this term.
    this.appendEntry(new Uint8Array(0));
    this.bcastAppend();
  }

  // ---------------------------------------------------------------- elections

  /** Start an election (after pre-vote, unless ordered by a leadership transfer). */
  campaign(transfer = false): void {
    if (!this.isVoter()) return;
    if (this.role === Role.Leader) return;
    if (this.cfg.preVote && !transfer) {
      this.becomePreCandidate();
      this.requestVotes(MessageType.MsgPreVote, (this.term + 1) as Term, false);
    } else {
      this.becomeCandidate();
      this.requestVotes(MessageType.MsgVote, this.term, transfer);
    }
  }

  private requestVotes(type: typeof MessageType.MsgVote | typeof MessageType.MsgPreVote, term: Term, transfer: boolean): void {
    this.votes.set(this.id, true);
    if (this.settleVotes()) return;
    for (const id of this.voters) {
      if (id === this.id) continue;
      this.send(
        this.msg(type, id, {
          term,
          index: this.log.lastIndex(),
          logTerm: this.log.lastTerm(),
          context: transfer ? TRANSFER_CONTEXT : new Uint8Array(0),
        }),
      );
    }
  }

  /** Act on the votes so far. Returns true when the campaign is decided. */
  private settleVotes(): boolean {
    const result = voteResult(this.voters, this.votes);
    if (result === 'pending') return false;
    if (result === 'lost') {
      this.becomeFollower(this.term, NONE);
      return true;
    }
    if (this.role === Role.PreCandidate) {
      this.becomeCandidate();
      this.requestVotes(MessageType.MsgVote, this.term, false);
    } else {
      this.becomeLeader();
    }
    return true;
  }

  private handleVoteRequest(m: Message): void {
    const isPreVote = m.type === MessageType.MsgPreVote;
    const respType = isPreVote ? MessageType.MsgPreVoteResp : MessageType.MsgVoteResp;
    // §5.2 one vote per term; a pre-vote for a future term binds nothing.
    const canVote =
      this.vote === m.from || (this.vote === NONE && this.leaderId === NONE) || (isPreVote && m.term > this.term);
    // §5.4.1 election restriction: only for a log at least as up-to-date as ours.
    if (canVote && this.log.isUpToDate(m.index, m.logTerm)) {
      // A granted pre-vote answers in the term asked about, so the pre-candidate counts it.
      this.send(this.msg(respType, m.from, { term: isPreVote ? m.term : this.term }));
      if (!isPreVote) {
        this.electionElapsed = 0;
        this.vote = m.from;
      }
    } else {
      this.send(this.msg(respType, m.from, { reject: true }));
    }
  }

  // ---------------------------------------------------------------- ticks

  tick(): void {
    if (this.role === Role.Leader) this.tickHeartbeat();
    else this.tickElection();
  }

  private tickElection(): void {
    this.electionElapsed++;
    if (!this.isVoter()) return;
    // A pre-vote round still undecided after a heartbeat interval is asked again instead of after
    // a whole election timeout: a voter inside its lease ignores pre-votes (4.2.3), and its lease
    // may end a few ticks after ours when the dead leader's last message reached it later. Waiting
    // a full timeout then nearly doubled failover. Pre-votes change no term or vote: asking again
    // disturbs nobody.
    const due = this.role === Role.PreCandidate ? Math.min(this.cfg.heartbeatTicks, this.randomizedElectionTimeout) : this.randomizedElectionTimeout;
    if (this.electionElapsed >= due) {
      this.electionElapsed = 0;
      this.campaign();
    }
  }

  private tickHeartbeat(): void {
    if (this.commitNews) {
      this.commitNews = false;
      this.bcastAppend();
    }
    this.heartbeatElapsed++;
    this.electionElapsed++;
    if (this.electionElapsed >= this.cfg.electionTicks) {
      this.electionElapsed = 0;
      // §6.2 check-quorum: a leader that has not heard from a majority within an election
      // timeout may be partitioned away; it steps down rather than serve stale leadership.
      if (this.cfg.checkQuorum && !this.quorumActive()) {
        this.becomeFollower(this.term, NONE);
        return;
      }
      // A transfer that did not finish within an election timeout is abandoned (3.10).
      this.leadTransferee = NONE;
    }
    for (const [id, pr] of this.progress) {
      // A lost MsgSnap would park the follower forever; retry after a while.
      if (id !== this.id && pr.state === 'snapshot' && ++pr.snapshotTicks > 2 * this.cfg.electionTicks) pr.becomeProbe();
    }
    if (this.heartbeatElapsed >= this.cfg.heartbeatTicks) {
      this.heartbeatElapsed = 0;
      this.bcastHeartbeat();
    }
  }

  private quorumActive(): boolean {
    const active = new Map<NodeId, boolean>();
    for (const [id, pr] of this.progress) {
      active.set(id, id === this.id || pr.recentActive);
      if (id !== this.id) pr.recentActive = false;
    }
    return voteResult(this.voters, active) === 'won';
  }

  // ---------------------------------------------------------------- stepping

  step(m: Message): void {
    if (m.to !== this.id) return;
    if (m.term > this.term) {
      if (m.type === MessageType.MsgVote || m.type === MessageType.MsgPreVote) {
        const transfer = m.type === MessageType.MsgVote && m.context.length === 1 && m.context[0] === TRANSFER_CONTEXT[0];
        // §4.2.3: a node that heard from a live leader within the minimum election timeout
        // ignores vote requests, so a partitioned node rejoining cannot depose a healthy leader.
        // Pre-vote (9.6) always honours the lease: it is what keeps a rejoining node from deposing
        // a healthy leader even when check-quorum is off.
        const leaseApplies = this.cfg.checkQuorum || m.type === MessageType.MsgPreVote;
        const inLease = leaseApplies && this.leaderId !== NONE && this.electionElapsed < this.cfg.electionTicks;
        if (!transfer && inLease) return;
      }
      if (m.type === MessageType.MsgPreVote || (m.type === MessageType.MsgPreVoteResp && !m.reject)) {
        // Pre-vote traffic never changes our term.
      } else if (m.type === MessageType.MsgApp || m.type === MessageType.MsgHeartbeat || m.type === MessageType.MsgSnap) {
        this.becomeFollower(m.term, m.from);
      } else {
        this.becomeFollower(m.term, NONE);
      }
    } else if (m.term < this.term) {
      if (m.type === MessageType.MsgApp || m.type === MessageType.MsgHeartbeat) {
        // A stale leader: tell it our term so it steps down (needed because, with pre-vote and
        // check-quorum, nodes with higher terms are otherwise silent towards it).
        this.send(this.msg(MessageType.MsgAppResp, m.from));
      } else if (m.type === MessageType.MsgPreVote) {
        this.send(this.msg(MessageType.MsgPreVoteResp, m.from, { reject: true }));
      }
      return;
    }

    switch (m.type) {
      case MessageType.MsgVote:
      case MessageType.MsgPreVote:
        this.handleVoteRequest(m);
        return;
    }
    switch (this.role) {
      case Role.Leader:
        this.stepLeader(m);
        return;
      case Role.Candidate:
      case Role.PreCandidate:
        this.stepCandidate(m);
        return;
      case Role.Follower:
        this.stepFollower(m);
        return;
    }
  }

  private stepCandidate(m: Message): void {
    const myResp = this.role === Role.PreCandidate ? MessageType.MsgPreVoteResp : MessageType.MsgVoteResp;
    switch (m.type) {
      case MessageType.MsgApp:
      case MessageType.MsgHeartbeat:
      case MessageType.MsgSnap:
        // A leader exists in this term (§5.2): recognise it.
        this.becomeFollower(m.term, m.from);
        this.stepFollower(m);
        return;
      case myResp:
        if (!this.isVoter(m.from)) return;
        this.votes.set(m.from, !m.reject);
        this.settleVotes();
        return;
      case MessageType.MsgTimeoutNow:
        return;
    }
  }

  private stepFollower(m: Message): void {
    switch (m.type) {
      case MessageType.MsgApp:
        this.electionElapsed = 0;
        this.leaderId = m.from;
        this.handleAppendEntries(m);
        return;
      case MessageType.MsgHeartbeat:
        this.electionElapsed = 0;
        this.leaderId = m.from;
        this.handleHeartbeat(m);
        return;
      case MessageType.MsgSnap:
        this.electionElapsed = 0;
        this.leaderId = m.from;
        this.handleSnapshot(m);
        return;
      case MessageType.MsgTimeoutNow:
        // Ordered by the leader (3.10): campaign at once, bypassing pre-vote and leases.
        this.campaign(true);
        return;
      case MessageType.MsgReadIndexResp:
        if (m.reject) return;
        this.readStates.push({ index: m.index, context: m.context });
        return;
    }
  }

  private handleAppendEntries(m: Message): void {
    if (m.index < this.log.committed) {
      // Everything up to our commit index is settled; tell the leader where we are.
      this.send(this.msg(MessageType.MsgAppResp, m.from, { index: this.log.committed }));
      return;
    }
    const epoch = this.log.epoch;
    const lastNew = this.log.maybeAppend(m.index, m.logTerm, m.commit, m.entries);
    // Entries we acknowledged but have not yet reported (the ack waits for the next write) were
    // just replaced: that ack would claim on disk what the next write removes. Drop it.
    if (this.log.epoch !== epoch) this.dropAcksFrom(this.log.truncatedFrom);
    if (lastNew !== undefined) {
      this.send(this.msg(MessageType.MsgAppResp, m.from, { index: lastNew }));
      return;
    }
    // Conflict hint (fast back-tracking): the last index that could still match, and its term.
    const hintIndex = this.log.findConflictByTerm(Math.min(m.index, this.log.lastIndex()) as Index, m.logTerm);
    this.send(
      this.msg(MessageType.MsgAppResp, m.from, {
        index: m.index,
        reject: true,
        rejectHint: hintIndex,
        logTerm: this.log.term(hintIndex) ?? (0 as Term),
      }),
    );
  }

  /** Withdraw queued acknowledgements of entries at or after `index`, which the log no longer holds. */
  private dropAcksFrom(index: number): void {
    this.msgsAfterPersist = this.msgsAfterPersist.filter((x) => !(x.type === MessageType.MsgAppResp && !x.reject && x.index >= index));
  }

  private handleHeartbeat(m: Message): void {
    this.log.commitTo(Math.min(m.commit, this.log.lastIndex()) as Index);
    this.send(this.msg(MessageType.MsgHeartbeatResp, m.from, { context: m.context }));
  }

  private handleSnapshot(m: Message): void {
    const snap = m.snapshot;
    if (snap === null) return;
    const { index: sIndex, term: sTerm } = snap.meta;
    if (sIndex <= this.log.committed) {
      this.send(this.msg(MessageType.MsgAppResp, m.from, { index: this.log.committed }));
      return;
    }
    if (this.log.matchTerm(sIndex, sTerm)) {
      // We already hold the entry the snapshot ends at: just move commit. Entries after it
      // are unverified, so we acknowledge only up to the snapshot.
      this.log.commitTo(sIndex);
    } else {
      this.log.restore(snap);
      this.dropAcksFrom(snap.meta.index + 1);
      this.voters = [...snap.meta.conf.voters];
      // It is now the snapshot our log starts after: if we lead later, it is what we send.
      this.snapshot = snap;
    }
    this.send(this.msg(MessageType.MsgAppResp, m.from, { index: this.log.committed }));
  }

  private stepLeader(m: Message): void {
    const pr = this.progress.get(m.from);
    switch (m.type) {
      case MessageType.MsgAppResp:
        if (pr) this.handleAppendResponse(m, pr);
        return;
      case MessageType.MsgHeartbeatResp:
        if (pr) this.handleHeartbeatResponse(m, pr);
        return;
      case MessageType.MsgReadIndex:
        if (pr) this.addRead({ context: m.context, from: m.from });
        return;
    }
  }

  private handleAppendResponse(m: Message, pr: Progress): void {
    pr.recentActive = true;
    // Only an answer about entries we have can move anything (a corrupt or foreign message cannot).
    if (m.index > this.log.lastIndex()) return;
    if (m.reject) {
      // The follower's hint lets us skip every index of a conflicting term in one round trip.
      let hint = m.rejectHint;
      if (m.logTerm > 0) hint = this.log.findConflictByTerm(m.rejectHint, m.logTerm);
      if (pr.maybeDecrTo(m.index, hint)) {
        if (pr.state === 'replicate') pr.becomeProbe();
        this.sendAppend(m.from);
      }
      return;
    }
    const oldPaused = pr.isPaused();
    if (!pr.maybeUpdate(m.index)) {
      if (oldPaused && !pr.isPaused()) this.sendAppend(m.from, false);
      return;
    }
    if (pr.state === 'probe') pr.becomeReplicate();
    else if (pr.state === 'snapshot' && pr.match >= pr.pendingSnapshot) {
      pr.becomeProbe();
      pr.becomeReplicate();
    } else if (pr.state === 'replicate') pr.inflights.freeLE(m.index);

    // The new commit index travels with the next entries, or at the next tick. A follower we were
    // waiting on (paused) may have missed earlier commit news too: the same broadcast covers it.
    if (this.maybeCommit() || oldPaused) this.commitNews = true;
    while (this.sendAppend(m.from, false)) { /* fill the window */ }
    if (m.from === this.leadTransferee && pr.match === this.log.lastIndex()) {
      this.send(this.msg(MessageType.MsgTimeoutNow, m.from));
    }
  }

  private handleHeartbeatResponse(m: Message, pr: Progress): void {
    pr.recentActive = true;
    pr.probeSent = false;
    // A window full of lost MsgApps would stall the follower forever: make room for one.
    if (pr.state === 'replicate' && pr.inflights.full()) pr.inflights.freeFirstOne();
    if (pr.match < this.log.lastIndex()) this.sendAppend(m.from);
    const round = decodeRoundId(m.context);
    if (round !== undefined) {
      for (const { read, index } of this.readOnly.recvAck(round, m.from, this.voters)) this.releaseRead(read.from, read.context, index);
    }
  }

  /** Commit the highest index a quorum holds durably, if it is of the current term (§5.4.2). */
  private maybeCommit(): boolean {
    const ci = committedIndex(this.voters, (id) => this.progress.get(id)?.match);
    if (ci <= this.log.committed) return false;
    // §5.4.2: never commit an entry of an earlier term by counting replicas.
    if (this.log.term(ci) !== this.term) return false;
    const hadTermCommit = this.termCommitted();
    this.log.commitTo(ci);
    if (!hadTermCommit) {
      this.readOnly.termCommitted();
      if (this.readOnly.hasQueued()) this.pendingBroadcast = true;
    }
    return true;
  }

  private termCommitted(): boolean {
    return this.log.term(this.log.committed) === this.term;
  }

  /** The driver made entries up to `index` durable: the leader may now count itself. */
  onPersisted(): void {
    if (this.role !== Role.Leader) return;
    const self = this.progress.get(this.id);
    if (!self) return;
    if (self.maybeUpdate(this.log.persisted) && this.maybeCommit()) this.commitNews = true;
  }

  // ---------------------------------------------------------------- client requests

  private appendEntry(data: Uint8Array): Entry {
    const e: Entry = { term: this.term, index: (this.log.lastIndex() + 1) as Index, type: EntryType.Normal, data };
    this.log.append([e]);
    return e;
  }

  propose(data: Uint8Array): ProposeResult {
    if (this.role !== Role.Leader) return { ok: false, reason: 'not-leader', leaderId: this.leaderId };
    if (this.leadTransferee !== NONE) return { ok: false, reason: 'transferring', leaderId: this.leaderId };
    const e = this.appendEntry(data);
    // Broadcast once per driver turn, so a burst of proposals becomes one MsgApp per follower.
    this.pendingBroadcast = true;
    return { ok: true, index: e.index, term: e.term };
  }

  readIndex(context: Uint8Array): boolean {
    if (this.role === Role.Leader) {
      this.addRead({ context, from: this.id });
      return true;
    }
    if (this.leaderId === NONE) return false;
    this.send(this.msg(MessageType.MsgReadIndex, this.leaderId, { context }));
    return true;
  }

  private addRead(read: { context: Uint8Array; from: NodeId }): void {
    this.readOnly.add(read, this.termCommitted());
    if (this.readOnly.hasQueued()) this.pendingBroadcast = true;
  }

  private releaseRead(from: NodeId, context: Uint8Array, index: Index): void {
    if (from === this.id) this.readStates.push({ index, context });
    else this.send(this.msg(MessageType.MsgReadIndexResp, from, { index, context }));
  }

  /** Once per driver turn: one MsgApp per follower for all new proposals, one heartbeat round for all new reads. */
  flush(): void {
    if (!this.pendingBroadcast) return;
    this.pendingBroadcast = false;
    if (this.role !== Role.Leader) return;
    this.bcastAppend();
    this.commitNews = false;
    if (this.readOnly.hasQueued()) {
      const round = this.readOnly.startRound(this.log.committed, this.id);
      if (this.voters.length === 1 && this.voters[0] === this.id) {
        for (const { read, index } of this.readOnly.recvAck(round, this.id, this.voters)) this.releaseRead(read.from, read.context, index);
      } else {
        this.bcastHeartbeat(encodeRoundId(round));
      }
    }
  }

  hasPendingFlush(): boolean {
    return this.pendingBroadcast;
  }

  transferLeadership(to: NodeId): void {
    if (this.role !== Role.Leader || to === this.id || !this.progress.has(to)) return;
    this.leadTransferee = to;
    this.electionElapsed = 0;
    const pr = this.progress.get(to)!;
    if (pr.match === this.log.lastIndex()) this.send(this.msg(MessageType.MsgTimeoutNow, to));
    else this.sendAppend(to);
  }

  reportUnreachable(id: NodeId): void {
    const pr = this.progress.get(id);
    if (this.role === Role.Leader && pr && pr.state === 'replicate') pr.becomeProbe();
  }

  compact(snapshot: Snapshot): void {
    const { index, term } = snapshot.meta;
    if (index <= this.log.snapshotIndex()) return;
    this.log.compact(index, term);
    this.snapshot = snapshot;
  }
}
