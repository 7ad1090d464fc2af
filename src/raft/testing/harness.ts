// A tiny synchronous cluster for the core's unit tests: messages are delivered only when
// the test says so, persistence completes at once, nothing is random unless seeded.
import { RawNode } from '../raw-node.js';
import { MessageType, messageTypeName, nodeId, type Entry, type Message, type NodeId, type RaftConfig, type Ready, type RestoredState, type Snapshot, type HardState } from '../types.js';

export interface Disk {
  hardState: HardState;
  snapshot: Snapshot | null;
  entries: Entry[];
}

export class TestNode {
  node: RawNode;
  readonly disk: Disk = { hardState: { term: 0 as never, vote: '' as NodeId, commit: 0 as never }, snapshot: null, entries: [] };
  readonly applied: Entry[] = [];
  readonly readStates: Array<{ index: number; context: string }> = [];
  constructor(readonly id: NodeId, readonly config: RaftConfig, restored?: RestoredState) {
    this.node = new RawNode(config, restored);
  }
  /** Crash and restart from the disk. */
  restart(): void {
    this.node = new RawNode(this.config, { hardState: this.disk.hardState, snapshot: this.disk.snapshot, entries: this.disk.entries.slice() });
    this.applied.length = 0;
  }
  persist(rd: Ready): void {
    if (rd.snapshot) {
      this.disk.snapshot = rd.snapshot;
      this.disk.entries = [];
    }
    if (rd.entries.length > 0) {
      const first = rd.entries[0]!.index;
      const base = this.disk.snapshot?.meta.index ?? 0;
      this.disk.entries.length = Math.max(0, Math.min(this.disk.entries.length, first - base - 1));
      this.disk.entries.push(...rd.entries);
    }
    if (rd.hardState) this.disk.hardState = rd.hardState;
  }
}

export function config(id: string, voters: string[], extra: Partial<RaftConfig> = {}): RaftConfig {
  let n = 0;
  return {
    id: nodeId(id),
    voters: voters.map(nodeId),
    electionTicks: 10,
    heartbeatTicks: 1,
    // Deterministic "randomness": distinct per node so elections do not tie forever.
    random: (k) => (voters.indexOf(id) * 3 + n++) % k,
    ...extra,
  };
}

export class Cluster {
  readonly nodes = new Map<NodeId, TestNode>();
  /** Messages sent and not yet delivered, in order. */
  inflight: Message[] = [];
  /** Pairs that drop messages: "a->b". */
  readonly cut = new Set<string>();
  readonly trace: string[] = [];
  /** Every message any node emitted, in order, with the Ready list it came in. */
  readonly sent: Array<{ readonly msg: Message; readonly afterPersist: boolean }> = [];
  /** Every Ready any node produced, in order. */
  readonly readies: Array<{ readonly id: NodeId; readonly ready: Ready }> = [];

  constructor(ids: string[], extra: Partial<RaftConfig> = {}, perNode: Record<string, Partial<RaftConfig>> = {}) {
    for (const id of ids) this.nodes.set(nodeId(id), new TestNode(nodeId(id), config(id, ids, { ...extra, ...perNode[id] })));
  }

  get(id: string): TestNode {
    const n = this.nodes.get(nodeId(id));
    if (!n) throw new Error(`no node ${id}`);
    return n;
  }

  /** Run every node's Ready cycle once; returns whether anything happened. */
  processReady(): boolean {
    let any = false;
    for (const id of this.nodes.keys()) if (this.processReadyOf(id)) any = true;
    return any;
  }

  /** Run one node's Ready cycle (persist at once) until it has nothing more; returns whether it had any. */
  processReadyOf(id: string): boolean {
    const n = this.get(id);
    let any = false;
    while (n.node.hasReady()) {
      any = true;
      const rd = n.node.ready();
      this.readies.push({ id: n.id, ready: rd });
      this.onReady?.(n.id, rd);
      for (const msg of rd.messages) this.sent.push({ msg, afterPersist: false });
      for (const msg of rd.messagesAfterPersist) this.sent.push({ msg, afterPersist: true });
      this.inflight.push(...rd.messages);
      n.persist(rd);
      this.inflight.push(...rd.messagesAfterPersist);
      n.applied.push(...rd.committedEntries);
      for (const rs of rd.readStates) n.readStates.push({ index: rs.index, context: new TextDecoder().decode(rs.context) });
      n.node.advance(rd);
    }
    return any;
  }

  /** Remove and return the in-flight messages matching `pred` (to drop, reorder or deliver them by hand). */
  take(pred: (m: Message) => boolean): Message[] {
    const taken = this.inflight.filter(pred);
    this.inflight = this.inflight.filter((m) => !pred(m));
    return taken;
  }

  /** Deliver (and remove) the in-flight messages matching `pred`, once, without processing Readies. */
  deliverWhere(pred: (m: Message) => boolean): number {
    const batch = this.take(pred);
    for (const m of batch) this.deliver(m);
    return batch.length;
  }

  /** Messages emitted since `from` (an index into `sent`) matching `pred`. */
  sentSince(from: number, pred: (m: Message) => boolean = () => true): Message[] {
    return this.sent.slice(from).map((s) => s.msg).filter(pred);
  }

  /** Deliver everything in flight (and what it causes) until quiet. */
  stabilize(maxRounds = 1000): void {
    for (let i = 0; i < maxRounds; i++) {
      const progressed = this.processReady();
      const batch = this.inflight;
      this.inflight = [];
      for (const m of batch) this.deliver(m);
      if (!progressed && batch.length === 0) return;
    }
    throw new Error('cluster did not stabilize');
  }

  /** Called with each Ready before it is carried out (golden scripts print it). */
  onReady: ((id: NodeId, rd: Ready) => void) | null = null;

  /** A test's message filter: messages for which it returns true are lost. */
  drop: ((m: Message) => boolean) | null = null;

  deliver(m: Message): void {
    if (this.cut.has(`${m.from}->${m.to}`)) return;
    if (this.drop?.(m)) return;
    const n = this.nodes.get(m.to);
    if (!n) return;
    this.trace.push(`${m.from}->${m.to} ${messageTypeName(m.type)} t${m.term} i${m.index} lt${m.logTerm} c${m.commit}${m.reject ? ' reject' : ''}${m.entries.length ? ` +${m.entries.length}` : ''}`);
    n.node.step(m);
  }

  isolate(id: string): void {
    for (const other of this.nodes.keys()) {
      if (other === id) continue;
      this.cut.add(`${id}->${other}`);
      this.cut.add(`${other}->${id}`);
    }
  }
  heal(): void {
    this.cut.clear();
  }

  tick(id: string, n = 1): void {
    for (let i = 0; i < n; i++) this.get(id).node.tick();
  }
  tickAll(n = 1): void {
    for (let i = 0; i < n; i++) for (const node of this.nodes.values()) node.node.tick();
  }

  /** Campaign `id` and deliver everything: it becomes leader if the others allow. */
  elect(id: string): void {
    this.get(id).node.campaign();
    this.stabilize();
  }

  leader(): TestNode | undefined {
    return [...this.nodes.values()].find((n) => n.node.status().role === 'leader');
  }

  propose(id: string, text: string): ReturnType<RawNode['propose']> {
    return this.get(id).node.propose(new TextEncoder().encode(text));
  }

  appliedTexts(id: string): string[] {
    return this.get(id).applied.filter((e) => e.data.length > 0).map((e) => new TextDecoder().decode(e.data));
  }
}

export { MessageType };
