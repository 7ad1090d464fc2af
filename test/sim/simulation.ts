// One seeded run of a whole cluster: the event loop, the fault injectors and the
// liveness phase. Everything that happens is an event in one queue ordered by
// (time, seq); a run is a pure function of its seed and overrides.
import type { Entry, Message, NodeId, RaftConfig, ReadState } from '../../src/raft/types.js';
import { nodeId, Role } from '../../src/raft/types.js';
import { SafetyChecker, sameBytes } from './checker.js';
import { EventQueue } from './event-queue.js';
import type { FailureKind } from './failure.js';
import { SimFailure } from './failure.js';
import type { HistoryOp } from './history.js';
import type { ApplyResult } from './kv-machine.js';
import { encodeCommand } from './kv-machine.js';
import { Connectivity } from './network.js';
import type { OptionOverrides, SimOptions } from './options.js';
import { swarmOptions, UNITS_PER_TICK } from './options.js';
import { Prng } from './prng.js';
import type { DriverHost } from './sim-node.js';
import { SimNode } from './sim-node.js';
import { Trace } from './trace.js';
import { Workload } from './workload.js';
import type { ClientHost } from './workload.js';
import { checkHistory } from './linearizability.js';

type SimEvent =
  | { readonly k: 'tick' }
  | { readonly k: 'deliver'; readonly m: Message; readonly to: number }
  | { readonly k: 'write'; readonly node: number; readonly inc: number }
  | { readonly k: 'partition' }
  | { readonly k: 'crash' }
  /** A short-lived leader's end: crash this incarnation of this node, if it is still up. */
  | { readonly k: 'crash-node'; readonly node: number; readonly inc: number }
  | { readonly k: 'restart'; readonly node: number; readonly inc: number }
  | { readonly k: 'transfer' }
  | { readonly k: 'unreachable'; readonly node: number; readonly inc: number; readonly to: NodeId }
  | { readonly k: 'client'; readonly c: number; readonly what: 'attempt' | 'timeout'; readonly op: number }
  | { readonly k: 'liveness' };

export interface RunStats {
  readonly ticks: number;
  readonly events: number;
  readonly messages: number;
  readonly crashes: number;
  readonly partitions: number;
  readonly committed: number;
  readonly elections: number;
  readonly snapshotsInstalled: number;
  readonly compactions: number;
  readonly ops: number;
  readonly opsOk: number;
  readonly livenessTicks: number;
}

export type RunResult =
  | { readonly ok: true; readonly seed: number; readonly options: SimOptions; readonly stats: RunStats; readonly linearizability: string }
  | {
      readonly ok: false;
      readonly seed: number;
      readonly options: SimOptions;
      readonly kind: FailureKind;
      readonly message: string;
      readonly stack: string;
      readonly atTick: number;
      readonly trace: readonly string[];
      readonly history: readonly HistoryOp[];
    };

export interface RunSettings extends OptionOverrides {
  /** Bias the drawn knobs (exploration scripts); replays must pass the same tweak. */
  tweak?: (o: SimOptions) => SimOptions;
  verbose?: boolean;
  traceLength?: number;
}

export function runSeed(seed: number, settings: RunSettings = {}): RunResult {
  const master = new Prng(seed);
  const drawn = swarmOptions(seed, master.fork('options'), settings);
  const options = settings.tweak ? settings.tweak(drawn) : drawn;
  const sim = new Simulation(options, master, settings.verbose ?? false, settings.traceLength ?? 60);
  return sim.run();
}

class Simulation implements DriverHost, ClientHost {
  now = 0;
  readonly nodes: SimNode[] = [];
  readonly checker: SafetyChecker;
  readonly trace: Trace;
  private readonly queue = new EventQueue<SimEvent>();
  private readonly ids: NodeId[];
  private readonly idIndex = new Map<string, number>();
  private readonly net: Prng;
  private readonly diskRng: Prng;
  private readonly faults: Prng;
  /** Its own stream, so seeds without stragglers replay exactly as before they existed. */
  private readonly straggle: Prng;
  /** Draws for the short-lived-leader injector, apart so that it leaves every other draw alone. */
  private readonly leaderCrashes: Prng;
  private readonly conn: Connectivity;
  private readonly workload: Workload;
  private readonly dirty: SimNode[] = [];
  private readonly isDirty: Uint8Array;
  private dropRate: number;
  private dupRate: number;
  private liveness = false;
  private livenessStart = 0;
  private marker: { node: number; inc: number; index: number; term: number; data: Uint8Array } | null = null;
  private markerSeq = 0;
  private livenessDone = false;
  /** Liveness, first step: with clients quiet, the leader must answer a linearizable read, which
   *  it can only do after committing an entry of its own term by itself (the no-op, 6.4). */
  private liveRead: { node: number; inc: number; term: number; ctx: string } | null = null;
  private liveReadDone = false;
  private stats = { events: 0, messages: 0, crashes: 0, partitions: 0, elections: 0, snapshotsInstalled: 0, compactions: 0 };

  constructor(readonly opts: SimOptions, master: Prng, verbose: boolean, traceLength: number) {
    this.trace = new Trace(traceLength, verbose);
    this.net = master.fork('network');
    this.diskRng = master.fork('disk');
    this.faults = master.fork('faults');
    this.straggle = master.fork('stragglers');
    this.leaderCrashes = master.fork('short-lived-leaders');
    this.dropRate = opts.dropRate;
    this.dupRate = opts.dupRate;
    this.ids = [...Array(opts.nodes).keys()].map((i) => nodeId(`n${i + 1}`));
    this.ids.forEach((id, i) => this.idIndex.set(id, i));
    this.conn = new Connectivity(opts.nodes);
    this.isDirty = new Uint8Array(opts.nodes);
    for (let i = 0; i < opts.nodes; i++) {
      const id = this.ids[i] as NodeId;
      const election = master.fork(`election-${id}`);
      const config: RaftConfig = {
        id,
        voters: this.ids,
        electionTicks: opts.electionTicks,
        heartbeatTicks: opts.heartbeatTicks,
        random: (n) => election.int(n),
        preVote: opts.preVote,
        checkQuorum: opts.checkQuorum,
        maxMsgBytes: opts.maxMsgBytes,
        maxInflightMsgs: opts.maxInflightMsgs,
      };
      this.nodes.push(new SimNode(i, id, config, this, opts.compactEvery));
    }
    this.checker = new SafetyChecker(this.ids, this.nodes.map((n) => n.disk));
    this.workload = new Workload(this, master.fork('workload'), opts);
  }

  // ---- hosts' interfaces ----

  count(what: 'elections' | 'snapshotsInstalled' | 'compactions'): void {
    this.stats[what]++;
  }

  onBecameLeader(node: SimNode): void {
    const rate = this.opts.shortLivedLeaderRate;
    if (rate === 0 || this.liveness || !this.leaderCrashes.chance(rate)) return;
    const within = Math.max(1, Math.floor((this.opts.electionTicks * UNITS_PER_TICK) / 2));
    this.queue.push(this.now + this.leaderCrashes.range(0, within), { k: 'crash-node', node: node.idx, inc: node.incarnation });
  }

  nodeIndex(id: NodeId): number | undefined {
    return this.idIndex.get(id);
  }

  markDirty(node: SimNode): void {
    if (this.isDirty[node.idx] === 0) {
      this.isDirty[node.idx] = 1;
      this.dirty.push(node);
    }
  }

  scheduleClient(delayUnits: number, client: number, what: 'attempt' | 'timeout', op: number): void {
    this.queue.push(this.now + Math.max(1, delayUnits), { k: 'client', c: client, what, op });
  }

  send(from: SimNode, msgs: readonly Message[]): void {
    for (const m of msgs) {
      this.checker.onSend(m, from.idx);
      this.stats.messages++;
      const to = this.idIndex.get(m.to);
      if (to === undefined) throw new SimFailure('contract', `${from.id} sent ${m.type} to unknown node "${m.to}"`);
      if (to === from.idx) throw new SimFailure('contract', `${from.id} sent a message to itself (type ${m.type})`);
      if (!this.conn.canSend(from.idx, to) || this.net.chance(this.dropRate)) {
        this.trace.add(this.now, 'drop', from.id, m);
        if (this.net.chance(this.opts.unreachableReportRate) && !this.liveness) {
          this.queue.push(this.now + this.delay(), { k: 'unreachable', node: from.idx, inc: from.incarnation, to: m.to });
        }
        continue;
      }
      this.trace.add(this.now, 'send', from.id, m);
      let at = this.now + this.delay();
      if (this.opts.straggleRate > 0 && !this.liveness && this.straggle.chance(this.opts.straggleRate)) {
        const e = this.opts.electionTicks * UNITS_PER_TICK;
        at = this.now + this.straggle.range(e, 4 * e);
        this.trace.add(this.now, 'straggle', from.id, m, `arrives at ${(at / UNITS_PER_TICK).toFixed(2)}`);
      }
      this.queue.push(at, { k: 'deliver', m, to });
      if (this.net.chance(this.dupRate)) this.queue.push(this.now + this.delay(), { k: 'deliver', m, to });
    }
  }

  private delay(): number {
    return this.net.range(this.opts.delayMinUnits, this.opts.delayMaxUnits);
  }

  scheduleWrite(node: SimNode): void {
    const d = this.diskRng.range(this.opts.diskDelayMinUnits, this.opts.diskDelayMaxUnits);
    this.queue.push(this.now + d, { k: 'write', node: node.idx, inc: node.incarnation });
  }

  onApplied(node: SimNode, e: Entry, result: ApplyResult): void {
    this.workload.onApplied(node, e, result);
    const mk = this.marker;
    if (mk !== null && mk.node === node.idx && e.index === mk.index && (e.term !== mk.term || !sameBytes(e.data, mk.data))) {
      this.marker = null; // overwritten: propose again
    }
  }

  onReadState(node: SimNode, rs: ReadState): void {
    const lr = this.liveRead;
    if (lr !== null && node.idx === lr.node && new TextDecoder().decode(rs.context) === lr.ctx) {
      this.liveReadDone = true;
      this.trace.add(this.now, 'live', node.id, null, `read ${lr.ctx} released at ${rs.index} without client writes`);
      return;
    }
    this.workload.onReadState(node, rs);
  }

  onAppliedUpTo(node: SimNode): void {
    this.workload.onAppliedUpTo(node);
  }

  // ---- the run ----

  run(): RunResult {
    const o = this.opts;
    const U = UNITS_PER_TICK;
    try {
      for (const n of this.nodes) n.start();
      this.queue.push(0, { k: 'tick' });
      if (o.partitionEveryTicks > 0) this.queue.push(this.faultGap(o.partitionEveryTicks), { k: 'partition' });
      if (o.crashEveryTicks > 0) this.queue.push(this.faultGap(o.crashEveryTicks), { k: 'crash' });
      if (o.transferEveryTicks > 0) this.queue.push(this.faultGap(o.transferEveryTicks), { k: 'transfer' });
      this.queue.push(o.ticks * U, { k: 'liveness' });
      const deadline = (o.ticks + o.livenessTicks) * U;
      // A message storm (say, an endless reject/resend ping-pong) is a liveness bug too.
      const maxEvents = 500 * o.nodes * (o.ticks + o.livenessTicks);
      for (;;) {
        const ev = this.queue.pop();
        if (ev === undefined) throw new Error('event queue ran dry');
        this.now = ev.time;
        if (this.now > deadline) {
          const stage = this.liveReadDone ? 'committed and applied a new write on every node' : 'answered a linearizable read without client writes';
          throw new SimFailure('liveness', `no leader ${stage} within ${o.livenessTicks} ticks of healing\n${this.describeNodes()}`);
        }
        if (++this.stats.events > maxEvents || this.queue.size > 100_000) {
          throw new SimFailure('liveness', `event storm: ${this.stats.events} events, ${this.queue.size} queued at tick ${(this.now / U).toFixed(2)}\n${this.describeNodes()}`);
        }
        this.handle(ev.event);
        this.pumpDirty();
        if (this.livenessDone) break;
      }
      const lin = checkHistory(this.workload.history);
      if (!lin.ok) throw new SimFailure('linearizability', lin.message);
      return {
        ok: true,
        seed: o.seed,
        options: o,
        stats: {
          ticks: Math.floor(this.now / U),
          ...this.stats,
          committed: this.checker.maxCommitted,
          ops: this.workload.history.length,
          opsOk: this.workload.history.filter((h) => h.status === 'ok').length,
          livenessTicks: Math.floor((this.now - this.livenessStart) / U),
        },
        linearizability: lin.message,
      };
    } catch (err) {
      const e = err instanceof Error ? err : new Error(String(err));
      const kind: FailureKind = err instanceof SimFailure ? err.kind : 'crash';
      return {
        ok: false,
        seed: o.seed,
        options: o,
        kind,
        message: e.message,
        stack: e.stack ?? '',
        atTick: this.now / U,
        trace: this.trace.lines(),
        history: this.workload.history,
      };
    }
  }

  private faultGap(meanTicks: number): number {
    return this.now + (1 + this.faults.int(2 * meanTicks)) * UNITS_PER_TICK + this.faults.int(UNITS_PER_TICK);
  }

  private pumpDirty(): void {
    while (this.dirty.length > 0) {
      const n = this.dirty.pop() as SimNode;
      this.isDirty[n.idx] = 0;
      n.pump();
    }
  }

  private handle(ev: SimEvent): void {
    switch (ev.k) {
      case 'tick':
        for (const n of this.nodes) {
          if (n.raw === null) continue;
          n.raw.tick();
          this.markDirty(n);
        }
        if (this.liveness) this.livenessStep();
        this.queue.push(this.now + UNITS_PER_TICK, ev);
        return;
      case 'deliver': {
        const n = this.nodes[ev.to] as SimNode;
        if (n.raw === null) return;
        this.trace.add(this.now, 'recv', n.id, ev.m);
        n.raw.step(ev.m);
        this.markDirty(n);
        return;
      }
      case 'write': {
        const n = this.nodes[ev.node] as SimNode;
        this.trace.add(this.now, 'durable', n.id);
        n.writeDone(ev.inc);
        return;
      }
      case 'partition':
        this.changePartition();
        return;
      case 'crash':
        this.crashOne();
        return;
      case 'crash-node': {
        const n = this.nodes[ev.node] as SimNode;
        if (this.liveness || n.raw === null || n.incarnation !== ev.inc) return;
        this.crash(n, this.leaderCrashes);
        return;
      }
      case 'restart': {
        const n = this.nodes[ev.node] as SimNode;
        if (n.raw !== null || n.incarnation !== ev.inc) return;
        this.restart(n);
        return;
      }
      case 'transfer':
        this.transferLeadership();
        return;
      case 'unreachable': {
        const n = this.nodes[ev.node] as SimNode;
        if (n.raw === null || n.incarnation !== ev.inc) return;
        this.trace.add(this.now, 'unreach', n.id, null, `-> ${ev.to}`);
        n.raw.reportUnreachable(ev.to);
        this.markDirty(n);
        return;
      }
      case 'client':
        if (ev.what === 'attempt') this.workload.attempt(ev.c, ev.op);
        else this.workload.timeout(ev.c, ev.op);
        return;
      case 'liveness':
        this.enterLiveness();
        return;
    }
  }

  private currentLeader(): number {
    let best = -1;
    let bestTerm = -1;
    for (const n of this.nodes) {
      if (n.raw === null || n.role !== Role.Leader) continue;
      const t = n.raw.status().term;
      if (t > bestTerm) {
        bestTerm = t;
        best = n.idx;
      }
    }
    return best;
  }

  private changePartition(): void {
    if (this.liveness) return;
    const o = this.opts;
    if (this.conn.partitioned) {
      this.conn.heal();
      this.queue.push(this.faultGap(o.partitionEveryTicks), { k: 'partition' });
    } else {
      this.conn.partition(this.faults.pick(o.partitionKinds), this.faults, this.currentLeader());
      this.stats.partitions++;
      this.queue.push(this.faultGap(o.partitionLastsTicks / 2), { k: 'partition' });
    }
    this.trace.add(this.now, 'net', '', null, this.conn.description);
  }

  private crashOne(): void {
    if (this.liveness) return;
    const o = this.opts;
    this.queue.push(this.faultGap(o.crashEveryTicks), { k: 'crash' });
    const up = this.nodes.filter((n) => n.raw !== null);
    if (up.length === 0) return;
    // Prefer the leader now and then: that is where the interesting crashes are.
    const leader = this.currentLeader();
    const victim = leader >= 0 && this.faults.chance(0.3) ? (this.nodes[leader] as SimNode) : this.faults.pick(up);
    this.crash(victim, this.faults);
  }

  /** Crash `victim` now (a torn write with the seed's chance) and schedule its restart. */
  private crash(victim: SimNode, rng: Prng): void {
    const o = this.opts;
    const torn = rng.chance(o.tornWriteRate);
    this.trace.add(this.now, 'crash', victim.id, null, torn ? '(torn write)' : '');
    victim.crash(torn, this.diskRng);
    this.workload.onCrash(victim);
    this.stats.crashes++;
    const downTicks = rng.range(1, o.downTicksMax);
    this.queue.push(this.now + downTicks * UNITS_PER_TICK, { k: 'restart', node: victim.idx, inc: victim.incarnation });
  }

  private restart(n: SimNode): void {
    this.trace.add(this.now, 'restart', n.id, null, `disk: hs=t${n.disk.hardState.term},v${n.disk.hardState.vote || '-'},c${n.disk.hardState.commit} snap=${n.disk.snapshotIndex} last=${n.disk.lastIndex}`);
    n.start();
    this.markDirty(n);
  }

  private transferLeadership(): void {
    if (this.liveness) return;
    this.queue.push(this.faultGap(this.opts.transferEveryTicks), { k: 'transfer' });
    const leader = this.currentLeader();
    if (leader < 0) return;
    const n = this.nodes[leader] as SimNode;
    const to = this.faults.pick(this.ids.filter((id) => id !== n.id));
    this.trace.add(this.now, 'transfer', n.id, null, `-> ${to}`);
    n.raw?.transferLeadership(to);
    this.markDirty(n);
  }

  // ---- liveness ----

  private enterLiveness(): void {
    this.liveness = true;
    this.livenessStart = this.now;
    this.conn.heal();
    this.dropRate = 0;
    this.dupRate = 0;
    this.trace.add(this.now, 'heal', '', null, 'liveness phase: network healed, all nodes up, no new client operations');
    this.workload.stopped = true;
    for (const n of this.nodes) if (n.raw === null) this.restart(n);
  }

  private livenessStep(): void {
    if (!this.liveReadDone) return this.livenessRead();
    const mk = this.marker;
    if (mk !== null) {
      const owner = this.nodes[mk.node] as SimNode;
      if (owner.incarnation !== mk.inc) {
        this.marker = null;
      } else if (this.nodes.every((n) => n.kv.appliedIndex >= mk.index) && this.checker.committedTerm[mk.index] === mk.term) {
        this.livenessDone = true;
        this.trace.add(this.now, 'live', owner.id, null, `marker ${mk.index}/${mk.term} applied everywhere`);
        return;
      } else if (owner.role === Role.Leader) {
        return;
      } else if ((this.now - this.livenessStart) % (this.opts.electionTicks * UNITS_PER_TICK) !== 0) {
        return; // give a deposed leader's entry a chance to commit anyway
      } else {
        this.marker = null;
      }
    }
    const leader = this.currentLeader();
    if (leader < 0) return;
    const n = this.nodes[leader] as SimNode;
    const data = encodeCommand({ c: -1, s: this.markerSeq++, o: 'mark' });
    const res = (n.raw as NonNullable<SimNode['raw']>).propose(data);
    this.markDirty(n);
    this.trace.add(this.now, 'mark', n.id, null, res.ok ? `proposed at ${res.index}/${res.term}` : `refused: ${res.reason}`);
    if (res.ok) this.marker = { node: leader, inc: n.incarnation, index: res.index, term: res.term, data };
  }

  private livenessRead(): void {
    // Pending client operations finish or time out first, so no client write can stand in for the no-op.
    if (this.workload.pending > 0) return;
    const leader = this.currentLeader();
    if (leader < 0) return;
    const n = this.nodes[leader] as SimNode;
    const raw = n.raw as NonNullable<SimNode['raw']>;
    const term = raw.status().term;
    const lr = this.liveRead;
    if (lr !== null && lr.node === leader && lr.inc === n.incarnation && lr.term === term) return; // still waiting
    const ctx = `live.${leader}.${n.incarnation}.${term}`;
    if (!raw.readIndex(new TextEncoder().encode(ctx))) return;
    this.liveRead = { node: leader, inc: n.incarnation, term, ctx };
    this.markDirty(n);
    this.trace.add(this.now, 'live', n.id, null, `read ${ctx} requested`);
  }

  private describeNodes(): string {
    return this.nodes
      .map((n) => {
        if (n.raw === null) return `  ${n.id}: down`;
        const s = n.raw.status();
        return `  ${n.id}: ${s.role} term=${s.term} vote=${s.vote || '-'} leader=${s.leaderId || '-'} commit=${s.commit} applied=${s.applied} last=${s.lastIndex} first=${s.firstIndex} | disk last=${n.disk.lastIndex} snap=${n.disk.snapshotIndex}`;
      })
      .join('\n');
  }
}

