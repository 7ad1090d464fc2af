// Simulated clients: each has at most one operation outstanding, sends it to a node it
// picks (following not-leader hints), and records the outcome in the history. Writes go
// through propose() on the node and are known once that node applies the returned
// index; reads go through readIndex() and are served from that node's state machine.
import type { Entry, NodeId, ReadState } from '../../src/raft/types.js';
import { NONE } from '../../src/raft/types.js';
import { sameBytes } from './checker.js';
import type { HistoryOp, OpKind } from './history.js';
import type { ApplyResult } from './kv-machine.js';
import { encodeCommand } from './kv-machine.js';
import type { SimOptions } from './options.js';
import { UNITS_PER_TICK } from './options.js';
import type { Prng } from './prng.js';
import type { SimNode } from './sim-node.js';
import type { Trace } from './trace.js';

export interface ClientHost {
  readonly now: number;
  readonly nodes: readonly SimNode[];
  readonly trace: Trace;
  nodeIndex(id: NodeId): number | undefined;
  /** Schedules this.attempt(client, opId) or this.timeout(client, opId) after `delayUnits`. */
  scheduleClient(delayUnits: number, client: number, what: 'attempt' | 'timeout', opId: number): void;
  markDirty(node: SimNode): void;
}

interface WriteWait {
  readonly client: number;
  readonly opId: number;
  readonly incarnation: number;
  readonly index: number;
  readonly term: number;
  readonly data: Uint8Array;
}

interface ReadWait {
  readonly client: number;
  readonly opId: number;
  readonly incarnation: number;
  readonly index: number;
}

interface ClientState {
  op: HistoryOp | null;
  /** Node to try next (a not-leader hint), or -1 for "any". */
  target: number;
  attempts: number;
  /** The write was accepted by some leader: from now on a timeout means "unknown". */
  accepted: boolean;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export class Workload {
  readonly history: HistoryOp[] = [];
  private readonly clients: ClientState[] = [];
  private readonly writeWaits: WriteWait[][];
  private readonly readWaits: ReadWait[][];
  /** read context -> client/op it belongs to. */
  private readonly readContexts = new Map<string, { client: number; opId: number }>();
  private nextOpId = 0;
  private valueSeq = 0;
  stopped = false;

  constructor(private readonly host: ClientHost, private readonly rng: Prng, private readonly opts: SimOptions) {
    this.writeWaits = host.nodes.map(() => []);
    this.readWaits = host.nodes.map(() => []);
    for (let c = 0; c < opts.clients; c++) {
      this.clients.push({ op: null, target: -1, attempts: 0, accepted: false });
      host.scheduleClient(this.rng.range(1, opts.opGapTicksMax * UNITS_PER_TICK), c, 'attempt', -1);
    }
  }

  get pending(): number {
    return this.clients.filter((c) => c.op !== null).length;
  }

  private newOp(client: number): HistoryOp {
    const o = this.opts;
    const key = `k${this.rng.int(o.keys)}`;
    const total = o.mix[0] + o.mix[1] + o.mix[2] + o.mix[3];
    let r = this.rng.int(total);
    let kind: OpKind = 'put';
    const kinds: OpKind[] = ['put', 'get', 'cas', 'del'];
    for (let i = 0; i < 4; i++) {
      r -= o.mix[i] as number;
      if (r < 0) {
        kind = kinds[i] as OpKind;
        break;
      }
    }
    const base = { id: this.nextOpId++, client, key, call: this.host.now / UNITS_PER_TICK, ret: null, status: 'pending' as const };
    switch (kind) {
      case 'put':
        return { ...base, kind, value: `v${this.valueSeq++}` };
      case 'cas': {
        // Expect a recent value, so some swaps succeed.
        const expected = this.valueSeq === 0 ? 'v0' : `v${Math.max(0, this.valueSeq - 1 - this.rng.int(3))}`;
        return { ...base, kind, expected, value: `v${this.valueSeq++}` };
      }
      default:
        return { ...base, kind };
    }
  }

  /** Start a new op (opId -1) or retry the current one. */
  attempt(client: number, opId: number): void {
    const st = this.clients[client] as ClientState;
    if (opId === -1) {
      if (st.op !== null || this.stopped) return;
      const op = this.newOp(client);
      this.history.push(op);
      st.op = op;
      st.attempts = 0;
      st.accepted = false;
      this.host.scheduleClient(this.opts.opTimeoutTicks * UNITS_PER_TICK, client, 'timeout', op.id);
    }
    const op = st.op;
    if (op === null || (opId !== -1 && op.id !== opId)) return;
    st.attempts++;
    const nodes = this.host.nodes;
    const target = st.target >= 0 ? st.target : this.rng.int(nodes.length);
    st.target = -1;
    const node = nodes[target] as SimNode;
    const raw = node.raw;
    const retryLater = (ticks: number): void => this.host.scheduleClient(ticks * UNITS_PER_TICK + this.rng.int(UNITS_PER_TICK), client, 'attempt', op.id);
    if (raw === null) {
      retryLater(1); // connection refused
      return;
    }
    if (op.kind === 'get') {
      const ctx = `r${client}.${op.id}.${st.attempts}`;
      const ok = raw.readIndex(encoder.encode(ctx));
      this.host.markDirty(node);
      this.host.trace.add(this.host.now, 'client', node.id, null, () => `c${client} readIndex ${ctx} -> ${ok}`);
      if (!ok) {
        retryLater(this.rng.range(1, 4));
        return;
      }
      this.readContexts.set(ctx, { client, opId: op.id });
      // A read point may never come (leader lost, message dropped): ask again elsewhere later.
      retryLater(this.opts.electionTicks * 2);
      return;
    }
    // A write is proposed once per leader that accepts it; after acceptance it is only awaited.
    if (st.accepted) return;
    const cmd =
      op.kind === 'put'
        ? { c: client, s: op.id, o: 'put' as const, k: op.key, v: op.value as string }
        : op.kind === 'cas'
          ? { c: client, s: op.id, o: 'cas' as const, k: op.key, e: op.expected as string, v: op.value as string }
          : { c: client, s: op.id, o: 'del' as const, k: op.key };
    const data = encodeCommand(cmd);
    const res = raw.propose(data);
    this.host.markDirty(node);
    this.host.trace.add(this.host.now, 'client', node.id, null, () => `c${client} propose #${op.id} ${op.kind} ${op.key} -> ${res.ok ? `${res.index}/${res.term}` : `${res.reason} hint=${res.leaderId || '-'}`}`);
    if (res.ok) {
      st.accepted = true;
      (this.writeWaits[target] as WriteWait[]).push({ client, opId: op.id, incarnation: node.incarnation, index: res.index, term: res.term, data });
      return;
    }
    const hint = res.leaderId !== NONE ? this.host.nodeIndex(res.leaderId) : undefined;
    if (hint !== undefined && hint !== target) {
      st.target = hint;
      retryLater(0);
    } else {
      retryLater(this.rng.range(1, Math.max(2, this.opts.heartbeatTicks * 2)));
    }
  }

  timeout(client: number, opId: number): void {
    const st = this.clients[client] as ClientState;
    const op = st.op;
    if (op === null || op.id !== opId) return;
    // A write no leader ever accepted definitely did not happen; a read that got no answer had no effect.
    if (op.kind === 'get' || !st.accepted) this.complete(client, 'fail');
    else this.complete(client, 'unknown');
  }

  private complete(client: number, status: 'ok' | 'fail' | 'unknown', output?: HistoryOp['output']): void {
    const st = this.clients[client] as ClientState;
    const op = st.op;
    if (op === null) return;
    op.status = status;
    op.ret = status === 'unknown' ? null : this.host.now / UNITS_PER_TICK;
    if (output !== undefined) op.output = output;
    st.op = null;
    st.accepted = false;
    this.host.trace.add(this.host.now, 'client', '', null, () => `c${client} done #${op.id} ${op.kind} ${status}${output ? ' ' + JSON.stringify(output) : ''}`);
    if (!this.stopped) this.host.scheduleClient(this.rng.range(1, this.opts.opGapTicksMax * UNITS_PER_TICK), client, 'attempt', -1);
  }

  onApplied(node: SimNode, e: Entry, result: ApplyResult): void {
    const waits = this.writeWaits[node.idx] as WriteWait[];
    if (waits.length === 0) return;
    for (let k = waits.length - 1; k >= 0; k--) {
      const w = waits[k] as WriteWait;
      if (w.index !== e.index) continue;
      waits.splice(k, 1);
      const st = this.clients[w.client] as ClientState;
      if (w.incarnation !== node.incarnation || st.op === null || st.op.id !== w.opId) continue;
      if (w.term !== e.term || !sameBytes(w.data, e.data)) {
        this.complete(w.client, 'fail'); // another entry took the slot: ours was never committed
        continue;
      }
      switch (result.o) {
        case 'put':
          this.complete(w.client, 'ok', {});
          break;
        case 'cas':
          this.complete(w.client, 'ok', { swapped: result.ok });
          break;
        case 'del':
          this.complete(w.client, 'ok', { deleted: result.deleted });
          break;
        default:
          throw new Error(`client write applied as ${result.o}`);
      }
    }
  }

  onReadState(node: SimNode, rs: ReadState): void {
    const ctx = decoder.decode(rs.context);
    const owner = this.readContexts.get(ctx);
    if (owner === undefined) return;
    this.readContexts.delete(ctx);
    const st = this.clients[owner.client] as ClientState;
    if (st.op === null || st.op.id !== owner.opId) return;
    (this.readWaits[node.idx] as ReadWait[]).push({ client: owner.client, opId: owner.opId, incarnation: node.incarnation, index: rs.index });
    this.onAppliedUpTo(node);
  }

  onAppliedUpTo(node: SimNode): void {
    const waits = this.readWaits[node.idx] as ReadWait[];
    if (waits.length === 0) return;
    const applied = node.kv.appliedIndex;
    for (let k = 0; k < waits.length; ) {
      const w = waits[k] as ReadWait;
      if (w.incarnation !== node.incarnation) {
        waits.splice(k, 1);
        continue;
      }
      if (w.index > applied) {
        k++;
        continue;
      }
      waits.splice(k, 1);
      const st = this.clients[w.client] as ClientState;
      if (st.op === null || st.op.id !== w.opId) continue;
      this.complete(w.client, 'ok', { value: node.kv.get(st.op.key) ?? null });
    }
  }

  /** The node lost its volatile state: its clients' requests die with their connections. */
  onCrash(node: SimNode): void {
    (this.writeWaits[node.idx] as WriteWait[]).length = 0;
    (this.readWaits[node.idx] as ReadWait[]).length = 0;
  }
}
