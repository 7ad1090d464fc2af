// Safety checkers. They trust nothing the core says about itself beyond what it hands
// out (Ready contents, messages on the wire, role reports) and compare it with what the
// simulated disks actually hold. All checks are incremental: per event they cost what
// the event changed, except the leader-completeness scan once per election.
import type { Entry, Message, Snapshot } from '../../src/raft/types.js';
import { MessageType } from '../../src/raft/types.js';
import type { SimDisk } from './disk.js';
import { SimFailure } from './failure.js';

interface LogRecord {
  readonly term: number;
  readonly prevTerm: number;
  readonly data: Uint8Array;
  readonly who: string;
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function fail(message: string): never {
  throw new SimFailure('safety', message);
}

export class SafetyChecker {
  private readonly leaderOfTerm = new Map<number, string>();
  private readonly votes = new Map<string, string>();
  /** `${term}:${candidate}` -> voters that put a granted MsgVoteResp of that term to it on the wire. */
  private readonly grants = new Map<string, Set<string>>();
  private readonly durableVotes = new Set<string>();
  /** index -> term/data of the committed entry, as first reported by any node. */
  readonly committedTerm: number[] = [];
  private readonly committedData: Uint8Array[] = [];
  /** index -> highest leader term seen when the entry was first reported committed:
   *  the entry was committed in a term <= this, so every leader of a higher term must hold it. */
  private readonly committedBound: number[] = [];
  /** index -> state-machine hash after applying it (first node to apply it). */
  private readonly hashAt: number[] = [];
  maxCommitted = 0;
  maxLeaderTerm = 0;
  private readonly log = new Map<number, LogRecord[]>();
  private readonly quorum: number;
  /** Per node: the lowest commit/term it may report next (reset to durable state on restart). */
  private readonly commitFloor: number[];
  private readonly termFloor: number[];

  constructor(private readonly ids: readonly string[], private readonly disks: readonly SimDisk[]) {
    this.quorum = Math.floor(ids.length / 2) + 1;
    this.commitFloor = ids.map(() => 0);
    this.termFloor = ids.map(() => 0);
  }

  // ---- election safety ----

  noteLeader(who: string, term: number, how: string): void {
    const prev = this.leaderOfTerm.get(term);
    if (prev === undefined) {
      this.leaderOfTerm.set(term, who);
      if (term > this.maxLeaderTerm) this.maxLeaderTerm = term;
    } else if (prev !== who) {
      fail(`two leaders in term ${term}: ${prev} and ${who} (${how})`);
    }
  }

  /**
   * `who` just reported itself leader of `term`: a quorum must have granted it a vote in that
   * very term (its own vote plus granted MsgVoteResps of `term` sent to it). A vote from an
   * earlier campaign, or none at all, cannot make a leader.
   */
  checkElected(who: string, term: number): void {
    const granted = this.grants.get(`${term}:${who}`);
    const n = 1 + (granted === undefined ? 0 : granted.has(who) ? granted.size - 1 : granted.size);
    if (n < this.quorum) {
      fail(`election: ${who} leads term ${term} but only ${n} of ${this.ids.length} voters granted it a vote in term ${term} (${granted === undefined ? 'itself only' : `itself, ${[...granted].join(', ')}`}; quorum ${this.quorum})`);
    }
  }

  leaderOf(term: number): string | undefined {
    return this.leaderOfTerm.get(term);
  }

  /** Every message on the wire, at the moment the driver sends it. */
  onSend(m: Message, senderIdx: number): void {
    switch (m.type) {
      case MessageType.MsgApp:
      case MessageType.MsgHeartbeat:
      case MessageType.MsgSnap:
      case MessageType.MsgTimeoutNow:
        this.noteLeader(m.from, m.term, `it sent ${m.type === MessageType.MsgApp ? 'MsgApp' : m.type === MessageType.MsgSnap ? 'MsgSnap' : m.type === MessageType.MsgHeartbeat ? 'MsgHeartbeat' : 'MsgTimeoutNow'}`);
        break;
      case MessageType.MsgVoteResp: {
        if (m.reject) break;
        const key = `${m.term}:${m.from}`;
        const prev = this.votes.get(key);
        if (prev !== undefined && prev !== m.to) fail(`${m.from} granted two votes in term ${m.term}: ${prev} and ${m.to}`);
        this.votes.set(key, m.to);
        const gk = `${m.term}:${m.to}`;
        let granted = this.grants.get(gk);
        if (granted === undefined) {
          granted = new Set();
          this.grants.set(gk, granted);
        }
        granted.add(m.from);
        // Safe once durable: either this very vote (maybe made durable earlier, when a
        // duplicated MsgVote is answered again), or a later term, after which no restart can
        // vote in this term again.
        const hs = (this.disks[senderIdx] as SimDisk).hardState;
        if (hs.term <= m.term && !this.durableVotes.has(`${senderIdx}:${m.term}:${m.to}`)) {
          throw new SimFailure('contract', `${m.from} granted its vote in term ${m.term} to ${m.to} before it was durable (disk: term ${hs.term} vote ${hs.vote || 'none'})`);
        }
        break;
      }
      case MessageType.MsgAppResp: {
        if (m.reject) break;
        const disk = this.disks[senderIdx] as SimDisk;
        if (disk.lastIndex < m.index) {
          throw new SimFailure('contract', `${m.from} acknowledged index ${m.index} but its durable log ends at ${disk.lastIndex}`);
        }
        break;
      }
      default:
        break;
    }
  }

  /** A hard state just became durable on node `idx`. */
  onDurableHardState(idx: number, t: number, vote: string): void {
    if (vote !== '') this.durableVotes.add(`${idx}:${t}:${vote}`);
  }

  // ---- per-node monotonicity ----

  onHardState(idx: number, t: number, vote: string, commit: number): void {
    const who = this.ids[idx] as string;
    if (t < (this.termFloor[idx] as number)) fail(`${who}: term went back from ${this.termFloor[idx]} to ${t}`);
    if (commit < (this.commitFloor[idx] as number)) fail(`${who}: commit went back from ${this.commitFloor[idx]} to ${commit}`);
    this.termFloor[idx] = t;
    this.commitFloor[idx] = commit;
    void vote;
  }

  onRestart(idx: number): void {
    const d = this.disks[idx] as SimDisk;
    this.termFloor[idx] = d.hardState.term;
    this.commitFloor[idx] = Math.max(d.hardState.commit, d.snapshotIndex);
  }

  // ---- commitment, state-machine safety ----

  /** A node reported `e` in Ready.committedEntries. */
  onCommitted(who: string, e: Entry): void {
    const i = e.index as number;
    const t = this.committedTerm[i];
    if (t !== undefined) {
      if (t !== e.term || !sameBytes(this.committedData[i] as Uint8Array, e.data)) {
        fail(`state-machine safety: ${who} commits ${i}/${e.term} but ${i}/${t} was committed before with ${t === e.term ? 'other data' : 'another term'}`);
      }
      return;
    }
    // First report: the entry must already be durable on a quorum with this term.
    let holders = 0;
    for (const d of this.disks) {
      if (d.snapshotIndex > i || d.termAt(i) === e.term) holders++;
    }
    if (holders < this.quorum) {
      fail(`${who} reports ${i}/${e.term} committed but only ${holders} of ${this.disks.length} durable logs hold it (quorum ${this.quorum})`);
    }
    this.checkCommitRobust(who, i, e.term);
    this.committedTerm[i] = e.term;
    this.committedData[i] = e.data;
    this.committedBound[i] = this.maxLeaderTerm;
    if (i > this.maxCommitted) this.maxCommitted = i;
  }

  /**
   * Leader completeness, checked at the moment of commit rather than at the next election: no
   * node whose durable log lacks i/t may be able to collect a quorum of votes (§5.4.1) from
   * the durable logs as they are now. In Raft this holds from the moment of commit on: the
   * entry commits through an entry of the leader's term T held by a quorum, every node lacking
   * i/t has a log older than (T, that index), so only the other minority could vote for it.
   * An entry committed by counting replicas of an earlier term (Figure 8) fails it while the
   * conflicting higher-term entry still sits on some disk, before any crash or election.
   */
  private checkCommitRobust(who: string, i: number, t: number): void {
    const last = this.disks.map((d) => ({ index: d.lastIndex, term: d.termAt(d.lastIndex) }));
    for (let c = 0; c < this.disks.length; c++) {
      const d = this.disks[c] as SimDisk;
      if (d.snapshotIndex >= i || d.termAt(i) === t) continue;
      const cand = last[c] as { index: number; term: number };
      let votes = 0;
      for (const v of last) {
        if (cand.term > v.term || (cand.term === v.term && cand.index >= v.index)) votes++;
      }
      if (votes >= this.quorum) {
        fail(
          `commit not durable against elections: ${who} reports ${i}/${t} committed, but ${this.ids[c]} (durable log ends at ${cand.index}/${cand.term}, ` +
            `${d.termAt(i) < 0 ? 'no entry' : `term ${d.termAt(i)}`} at ${i}) is at least as up to date as ${votes} of ${this.disks.length} durable logs (quorum ${this.quorum})`,
        );
      }
    }
  }

  onApplied(who: string, i: number, hash: number): void {
    const h = this.hashAt[i];
    if (h === undefined) this.hashAt[i] = hash;
    else if (h !== hash) fail(`state-machine safety: ${who} state after applying ${i} differs from another node's`);
  }

  onRestore(who: string, s: Snapshot, imageIndex: number, imageTerm: number, hash: number): void {
    const i = s.meta.index as number;
    if (imageIndex !== i || imageTerm !== s.meta.term) {
      fail(`${who}: snapshot meta ${i}/${s.meta.term} but its image is at ${imageIndex}/${imageTerm}`);
    }
    const t = this.committedTerm[i];
    if (t !== undefined && t !== s.meta.term) fail(`${who}: snapshot at ${i}/${s.meta.term} but ${i}/${t} was committed`);
    this.onApplied(who, i, hash);
  }

  // ---- log matching over durable logs ----

  /** Entries [first, disk.lastIndex] were just written to `idx`'s disk. */
  onDurableEntries(idx: number, first: number): void {
    if (first === 0) return;
    const disk = this.disks[idx] as SimDisk;
    const who = this.ids[idx] as string;
    for (let i = first; i <= disk.lastIndex; i++) {
      const e = disk.entryAt(i) as Entry;
      const prevTerm = disk.termAt(i - 1);
      let recs = this.log.get(i);
      if (recs === undefined) {
        recs = [];
        this.log.set(i, recs);
      }
      let found = false;
      for (const r of recs) {
        if (r.term !== e.term) continue;
        found = true;
        if (!sameBytes(r.data, e.data)) fail(`log matching: ${who} and ${r.who} hold ${i}/${e.term} with different data`);
        if (r.prevTerm !== prevTerm) {
          fail(`log matching: ${who} and ${r.who} hold ${i}/${e.term} but the entry before it has term ${prevTerm} vs ${r.prevTerm}`);
        }
        break;
      }
      if (!found) recs.push({ term: e.term, prevTerm, data: e.data, who });
    }
  }

  // ---- leader completeness ----

  /** Committed entries every leader of `term` must hold: those committed in an earlier term. */
  requiredUpTo(term: number): number {
    let p = 0;
    for (let i = 1; i <= this.maxCommitted; i++) {
      const b = this.committedBound[i];
      if (b !== undefined && b < term) p = i;
    }
    return p;
  }

  /** `idx` leads `term` and its durable log now holds its whole log at election time. */
  checkLeaderLog(idx: number, term: number, upTo: number): void {
    const disk = this.disks[idx] as SimDisk;
    const who = this.ids[idx] as string;
    for (let i = Math.max(1, disk.snapshotIndex); i <= upTo; i++) {
      const t = this.committedTerm[i];
      const b = this.committedBound[i];
      if (t === undefined || b === undefined || b >= term) continue;
      const have = disk.termAt(i);
      if (have !== t) {
        fail(`leader completeness: ${who} leads term ${term} but holds ${have < 0 ? 'nothing' : `term ${have}`} at ${i}, where ${i}/${t} was committed`);
      }
    }
  }
}
