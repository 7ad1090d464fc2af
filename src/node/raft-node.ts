// The driver: the only place where the pure core meets time, disk and network.
// Every input (tick, peer message, proposal, read) lands in the core and schedules one
// Ready cycle on the next turn of the event loop, so everything that arrived in one turn
// is persisted with one fdatasync and sent with one message per follower.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { encodeCommand } from '../kv/codec.js';
import type { KeyValue, KvCommand, KvResult } from '../kv/command.js';
import { KvStateMachine } from '../kv/state-machine.js';
import { RawNode } from '../raft/raw-node.js';
import { NONE, Role, type Entry, type Index, type Message, type NodeId, type Ready, type RestoredState, type Snapshot, type Term } from '../raft/types.js';
import type { LogStore } from '../storage/log-store.js';
import { openLogStore } from '../storage/file-log-store.js';
import { PeerTransport } from '../transport/peer-transport.js';
import { createLogger, type Logger } from './logger.js';
import { nodeMetrics, type NodeMetrics } from './metrics.js';
import { ReadWaiters } from './read-waiters.js';
import { ProposalWaiters } from './proposal-waiters.js';
import {
  NotLeaderError,
  TimeoutError,
  UnavailableError,
  type Leadership,
  type MemberInfo,
  type ProposedCommand,
  type NodeConfig,
  type NodeStatus,
  type RunningNode,
} from './types.js';

/** Keys encoded per event-loop turn when taking a snapshot (about 10-20 ms of work). */
const SNAPSHOT_KEYS_PER_TURN = 20_000;

export interface StartOptions {
  readonly logger?: Logger;
  /** Called when the node cannot go on (disk error). Default: log and exit the process. */
  readonly onFatal?: (err: unknown) => void;
  /** Storage without fsync: only for tests that say so. */
  readonly fsync?: boolean;
  /** Random source for election timeouts; default Math.random. */
  readonly random?: () => number;
}

export async function startNode(config: NodeConfig, options: StartOptions = {}): Promise<RunningNode> {
  const logger = options.logger ?? createLogger(config.id);
  const { store, restored } = await openLogStore(config.dataDir, { fsync: options.fsync ?? true });
  const node = new RaftNode(config, store, restored, logger, options);
  node.start();
  return node;
}

export class RaftNode implements RunningNode {
  readonly id: NodeId;
  private readonly raw: RawNode;
  private readonly kv = new KvStateMachine();
  private readonly transport: PeerTransport;
  private readonly proposals = new ProposalWaiters();
  private readonly reads = new ReadWaiters();
  private readonly metrics: NodeMetrics;
  private tickTimer: NodeJS.Timeout | undefined;
  private scheduled = false;
  /** A Ready is being carried out (its persistence is in flight). */
  private busy = false;
  /** The Ready cycle in progress, so that close() can wait for it. */
  private cycling: Promise<void> = Promise.resolve();
  private closing = false;
  private closed = false;
  private snapshotting = false;
  private lastSnapshotIndex: number;
  private term: Term = 0 as Term;
  private role: Role = Role.Follower;
  private leaderId: NodeId = NONE;

  constructor(
    private readonly config: NodeConfig,
    private readonly store: LogStore,
    restored: RestoredState,
    private readonly logger: Logger,
    private readonly options: StartOptions,
  ) {
    this.id = config.id;
    if (restored.snapshot) this.kv.restore(restored.snapshot.data);
    this.lastSnapshotIndex = restored.snapshot?.meta.index ?? 0;
    this.lastAppliedTerm = restored.snapshot?.meta.term;
    const random = options.random ?? Math.random;
    this.raw = new RawNode(
      {
        id: config.id,
        voters: [...config.members.keys()],
        electionTicks: config.electionTicks,
        heartbeatTicks: config.heartbeatTicks,
        random: (n) => Math.floor(random() * n),
      },
      restored,
    );
    const st = this.raw.status();
    this.term = st.term;
    const peers = new Map([...config.members].filter(([id]) => id !== config.id));
    this.transport = new PeerTransport({
      selfId: config.id,
      peers,
      logger,
      onMessage: (m: Message) => this.onPeerMessage(m),
      onUnreachable: (id: NodeId) => {
        this.raw.reportUnreachable(id);
        this.schedule();
      },
    });
    this.metrics = nodeMetrics(config.id);
    this.metrics.bind(() => this.raw.status(), () => this.kv.size);
  }

  start(): void {
    this.tickTimer = setInterval(() => {
      this.raw.tick();
      this.schedule();
    }, this.config.tickMs);
    this.logger.info({ id: this.id, members: Object.fromEntries(this.config.members), term: this.term }, 'node started');
    this.schedule();
  }

  private onPeerMessage(m: Message): void {
    if (this.closed) return;
    this.raw.step(m);
    this.schedule();
  }

  /** Run a Ready cycle on the next turn, once, whatever number of inputs arrive in this one. */
  private schedule(): void {
    if (this.scheduled || this.closed) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      if (!this.busy) return void (this.cycling = this.cycle());
      // A Ready is being persisted: what may leave now (new entries for followers, commit
      // news, heartbeats) goes out anyway, so followers write batch N+1 while we write batch N;
      // and what both followers made durable meanwhile is applied and answered now, not after
      // our own write (whose completion a busy event loop may notice only milliseconds later).
      const msgs = this.raw.takeMessages();
      if (msgs.length > 0) this.transport.sendAll(msgs);
      const committed = this.raw.takeCommitted();
      if (committed.length > 0) {
        this.applyEntries(committed);
        this.reads.appliedUpTo(this.kv.lastApplied);
      }
    });
  }

  private async cycle(): Promise<void> {
    if (this.busy || this.closed || !this.raw.hasReady()) return;
    this.busy = true;
    try {
      const rd = this.raw.ready();
      this.observe(rd);
      // The leader's MsgApps go out while it writes the same entries (dissertation 10.2.1).
      this.transport.sendAll(rd.messages);
      // Committed entries are already durable on a quorum: apply (and answer) them now rather
      // than after this node's own write, which would add a whole fsync to every request.
      this.apply(rd);
      if (rd.snapshot || rd.entries.length > 0 || rd.mustSync) {
        const started = performance.now();
        await this.store.save({ snapshot: rd.snapshot, entries: rd.entries, hardState: rd.hardState });
        this.metrics.fsyncSeconds.observe((performance.now() - started) / 1000);
      }
      this.transport.sendAll(rd.messagesAfterPersist);
      this.raw.advance(rd);
      this.maybeSnapshot();
    } catch (err) {
      this.fatal(err);
      return;
    } finally {
      this.busy = false;
    }
    this.schedule();
  }

  private observe(rd: Ready): void {
    if (rd.hardState) this.term = rd.hardState.term;
    if (rd.softState) {
      this.role = rd.softState.role;
      if (rd.softState.leaderId !== this.leaderId) {
        this.leaderId = rd.softState.leaderId;
        this.logger.info({ term: this.term, leader: this.leaderId || null, role: this.role }, 'leader changed');
        this.metrics.leaderChanges.inc();
        // Reads waiting for a read index from a leader that is gone will never hear back.
        this.reads.failUnindexed(new UnavailableError('leadership changed; retry'));
      }
      for (const w of this.roleWaiters.splice(0)) w();
    }
  }

  private apply(rd: Ready): void {
    if (rd.snapshot) {
      this.kv.restore(rd.snapshot.data);
      this.lastSnapshotIndex = rd.snapshot.meta.index;
      this.lastAppliedTerm = rd.snapshot.meta.term;
      this.proposals.failUpTo(rd.snapshot.meta.index);
    }
    this.applyEntries(rd.committedEntries);
    for (const rs of rd.readStates) this.reads.indexed(rs.context, rs.index);
    this.reads.appliedUpTo(this.kv.lastApplied);
  }

  private applyEntries(entries: readonly Entry[]): void {
    for (const e of entries) {
      // The leader's no-op has empty data and applies as nothing.
      const result = this.kv.apply(e.index, e.data);
      this.lastAppliedTerm = e.term;
      this.proposals.resolve(e.index, e.term, result);
    }
    if (entries.length > 0) this.metrics.appliedEntries.inc(entries.length);
  }

  private maybeSnapshot(): void {
    const applied = this.kv.lastApplied;
    // Encoding a snapshot costs CPU in proportion to the keys: never more often than once per
    // half a key-count of entries, so the cost per applied entry stays bounded (two keys encoded
    // per entry at most) however large the state grows; a 1M-key state snapshotted every 10,000
    // entries would spend most of its time encoding. (Half, not all: when every write creates a
    // key, the key count grows as fast as the log and a full key-count would never be reached.)
    const interval = Math.max(this.config.snapshotEntries, Math.floor(this.kv.size / 2));
    if (this.snapshotting || applied - this.lastSnapshotIndex < interval) return;
    const st = this.raw.status();
    const term = this.lastAppliedTerm;
    if (term === undefined) return;
    this.snapshotting = true;
    const meta = { index: applied as Index, term, conf: { voters: st.voters } };
    let snapshot: Snapshot | undefined;
    this.encodeSnapshot()
      .then((data) => {
        if (data === null) return undefined;
        snapshot = { meta, data };
        return this.store.saveSnapshot(snapshot);
      })
      .then(() => {
        if (this.closed || !snapshot) return;
        this.lastSnapshotIndex = snapshot.meta.index;
        this.raw.compact(snapshot);
        this.logger.info({ index: snapshot.meta.index, bytes: snapshot.data.length }, 'snapshot saved');
      })
      .catch((err) => this.fatal(err))
      .finally(() => {
        this.snapshotting = false;
      });
  }

  /**
   * The state machine as it is now, encoded a slice of keys per turn of the event loop, so that a
   * large state never holds up heartbeats and requests for longer than one slice. Null if the
   * node closed meanwhile.
   */
  private async encodeSnapshot(): Promise<Uint8Array | null> {
    const steps = this.kv.snapshotSteps(SNAPSHOT_KEYS_PER_TURN);
    for (;;) {
      const r = steps.next();
      if (r.done) return r.value;
      if (this.closed) return null;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  private lastAppliedTerm: Term | undefined;
  /** Woken on every role or leader change (shutdown waits for its handoff this way). */
  private readonly roleWaiters: Array<() => void> = [];

  private fatal(err: unknown): void {
    if (this.closed) return;
    this.logger.error({ err }, 'fatal: the node cannot go on');
    this.closed = true;
    clearInterval(this.tickTimer);
    this.proposals.failAll(new UnavailableError('node stopped after a disk error'));
    this.reads.failAll(new UnavailableError('node stopped after a disk error'));
    (this.options.onFatal ?? ((e) => {
      // A disk error leaves durability unknown: stop rather than risk acknowledging a lost write.
      console.error(e);
      process.exit(70);
    }))(err);
  }

  // ------------------------------------------------------------------ KvNode

  async propose(cmd: ProposedCommand, timeoutMs = this.config.requestTimeoutMs): Promise<KvResult> {
    if (this.closing || this.closed) throw new UnavailableError('node is shutting down');
    const deadline = Date.now() + timeoutMs;
    // During an election nobody can take the write yet: wait for a leader rather than fail at once.
    if (this.leaderId === NONE && !(await this.leaderKnown(deadline))) throw new NotLeaderError(null, null);
    const data = encodeCommand({ ...cmd, time: Date.now() } as KvCommand);
    const r = this.raw.propose(data);
    if (!r.ok) {
      if (r.reason === 'transferring') throw new UnavailableError('leadership transfer in progress; retry');
      const leader = r.leaderId === NONE ? null : r.leaderId;
      throw new NotLeaderError(leader, leader ? (this.config.members.get(leader) ?? null) : null);
    }
    this.metrics.proposals.inc();
    this.schedule();
    return this.proposals.wait(r.index, r.term, Math.max(1, deadline - Date.now()));
  }

  async readBarrier(timeoutMs = this.config.requestTimeoutMs): Promise<void> {
    if (this.closing || this.closed) throw new UnavailableError('node is shutting down');
    const deadline = Date.now() + timeoutMs;
    if (this.leaderId === NONE && !(await this.leaderKnown(deadline))) throw new UnavailableError('no leader is known; retry');
    const { context, promise } = this.reads.add(Math.max(1, deadline - Date.now()));
    if (!this.raw.readIndex(context)) {
      this.reads.fail(context, new UnavailableError('no leader is known; retry'));
    }
    this.schedule();
    return promise;
  }

  leadership(): Leadership {
    return { role: this.role, leaderId: this.leaderId === NONE ? null : this.leaderId, term: this.term };
  }

  /** Resolves true once a leader is known (woken by the Ready loop, not by polling), false at the deadline. */
  private async leaderKnown(deadline: number): Promise<boolean> {
    while (this.leaderId === NONE && !this.closing) {
      const left = deadline - Date.now();
      if (left <= 0) return false;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.roleWaiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return this.leaderId !== NONE;
  }

  get(key: string): KeyValue | undefined {
    return this.kv.get(key);
  }

  list(prefix: string, limit: number): { items: KeyValue[]; more: boolean } {
    return this.kv.list(prefix, limit);
  }

  addressOf(id: NodeId): string | undefined {
    return this.config.members.get(id);
  }

  status(): NodeStatus {
    const st = this.raw.status();
    const peerStats = new Map(this.transport.stats().map((p) => [p.id, p]));
    const members: MemberInfo[] = [];
    for (const [id, address] of this.config.members) {
      const pr = st.progress.get(id);
      const link = peerStats.get(id);
      const self = id === this.id;
      members.push({
        id,
        address,
        role: self ? st.role : id === st.leaderId ? Role.Leader : st.leaderId !== NONE && st.role === Role.Leader ? Role.Follower : 'unknown',
        ...(pr ? { match: pr.match, next: pr.next, lag: st.lastIndex - pr.match, progress: pr.state } : {}),
        ...(self ? { match: st.lastIndex, lag: 0 } : {}),
        ...(link && link.lastHeardMsAgo !== null ? { lastHeardMsAgo: link.lastHeardMsAgo } : {}),
        reachable: self ? true : (link?.connected ?? false),
      });
    }
    return {
      nodeId: this.id,
      state: st.role === Role.PreCandidate ? Role.Candidate : st.role,
      term: st.term,
      leaderId: st.leaderId === NONE ? null : st.leaderId,
      logLength: st.lastIndex,
      firstIndex: st.firstIndex,
      lastIndex: st.lastIndex,
      commitIndex: st.commit,
      lastApplied: this.kv.lastApplied as Index,
      snapshotIndex: this.lastSnapshotIndex as Index,
      members,
    };
  }

  handlePeerUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.transport.handleUpgrade(req, socket, head);
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    await this.handOffLeadership();
    this.closed = true;
    clearInterval(this.tickTimer);
    // In-flight proposals may still commit elsewhere: their outcome is unknown to us.
    this.proposals.failAll(new TimeoutError('node shut down before the write was confirmed; its outcome is unknown'));
    this.reads.failAll(new UnavailableError('node is shutting down'));
    await this.cycling;
    // Let the last messages (a TimeoutNow to our successor) leave before the sockets close.
    await this.transport.flushed(500);
    await this.transport.close();
    await this.store.close();
    this.metrics.unbind();
    this.logger.info({}, 'node stopped');
  }

  /** If leader, hand leadership to the most caught-up follower and wait briefly for it to take over. */
  private async handOffLeadership(): Promise<void> {
    const st = this.raw.status();
    if (st.role !== Role.Leader || st.progress.size === 0) return;
    let best: NodeId | undefined;
    let bestMatch = -1;
    for (const [id, pr] of st.progress) {
      if (pr.match > bestMatch) {
        best = id;
        bestMatch = pr.match;
      }
    }
    if (!best) return;
    this.raw.transferLeadership(best);
    this.schedule();
    // The core abandons a transfer after an election timeout; wait at most that long.
    const deadline = Date.now() + this.config.tickMs * this.config.electionTicks;
    while (this.raw.status().role === Role.Leader && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, deadline - Date.now());
        this.roleWaiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }
}
