// The workloads, each run against one cluster with the load generator in its own process, each
// producing one cell: throughput/latency, failures, and the CPU that the cluster and the load
// generator spent while it was measured.
import { waitForLeader, type BenchCluster, type MemberStatus } from './cluster.js';
import type { LoadGenerator } from './loadgen-process.js';
import type { LoadJob, Op } from './loadgen-protocol.js';
import { CpuMeter, machineCpuMs, rssBytes } from './proc.js';
import { nowMs } from './stats.js';
import type { TargetSpec } from './targets/target.js';

export const WORKLOADS = [
  'idle',
  'write-1',
  'write-16',
  'write-64',
  'write-256',
  'read-linearizable-64',
  'read-serializable-64',
  'failover',
  'catch-up',
] as const;
/** Run only when asked for by name (`--workload memory`): it takes minutes. */
export const OPT_IN_WORKLOADS = ['memory'] as const;
export type WorkloadName = (typeof WORKLOADS)[number] | (typeof OPT_IN_WORKLOADS)[number];

export interface WorkloadSettings {
  readonly warmupMs: number;
  readonly measureMs: number;
  readonly keyCount: number;
  readonly valueBytes: number;
  /** `leader`: clients talk to the leader's address; `all`: to every member (followers forward). */
  readonly endpoints: 'leader' | 'all';
  /** How long the catch-up workload writes while a follower is down. */
  readonly catchUpLoadMs: number;
  readonly requestTimeoutMs: number;
  /** Distinct keys the memory workload writes. */
  readonly memoryKeys: number;
}

export interface Cell {
  readonly workload: WorkloadName;
  readonly system: BenchCluster['system'];
  readonly error?: string;
  readonly measuredMs?: number;
  readonly ops?: number;
  readonly opsPerSec?: number;
  readonly p50Ms?: number;
  readonly p99Ms?: number;
  readonly maxMs?: number;
  readonly failed?: number;
  readonly errors?: Record<string, number>;
  /** CPU of all cluster processes during the measured window, in % of one core. */
  readonly clusterCpuPct?: number;
  readonly loadgenCpuPct?: number;
  /** CPU used by everything else on the machine during the window, in % of one core: the
   *  bench shares its cores, and this says how much. */
  readonly otherCpuPct?: number;
  /** Cluster CPU milliseconds per completed operation. */
  readonly clusterCpuMsPerOp?: number;
  readonly loadgenCpuMsPerOp?: number;
  readonly rssMbPerNode?: number[];
  /** Leader or term changed while this workload ran (expected only for failover). */
  readonly leaderChanged?: boolean;
  readonly failoverMs?: number;
  /** Kill to the survivors agreeing on a new leader, as polled by the bench. */
  readonly electionMs?: number;
  readonly ackedWrites?: number;
  readonly lostWrites?: number;
  readonly catchUpMs?: number;
  /** From the restarted member's first status answer (process up) to caught up. */
  readonly catchUpAfterStartMs?: number;
  readonly catchUpEntries?: number;
  readonly memoryKeys?: number;
  /** RSS growth per key written, averaged over the members, in bytes. */
  readonly rssBytesPerKey?: number;
  readonly notes?: string[];
}

export interface WorkloadContext {
  readonly cluster: BenchCluster;
  readonly loadgen: LoadGenerator;
  readonly settings: WorkloadSettings;
  readonly log: (line: string) => void;
}

const SHAPES: Record<Exclude<WorkloadName, 'idle' | 'failover' | 'catch-up' | 'memory'>, { op: Op; concurrency: number }> = {
  'write-1': { op: 'write', concurrency: 1 },
  'write-16': { op: 'write', concurrency: 16 },
  'write-64': { op: 'write', concurrency: 64 },
  'write-256': { op: 'write', concurrency: 256 },
  'read-linearizable-64': { op: 'read-linearizable', concurrency: 64 },
  'read-serializable-64': { op: 'read-serializable', concurrency: 64 },
};

export async function runWorkload(name: WorkloadName, ctx: WorkloadContext): Promise<Cell> {
  try {
    if (name === 'failover') return await runFailover(ctx);
    if (name === 'catch-up') return await runCatchUp(ctx);
    if (name === 'memory') return await runMemory(ctx);
    if (name === 'idle') return await runIdle(ctx);
    return await runSteady(name, ctx);
  } catch (err) {
    // A workload that failed between killing and restarting a member must not leave the next
    // workload with two of three.
    for (const id of ctx.cluster.memberIds) {
      if (ctx.cluster.pidOf(id) === undefined) await ctx.cluster.restart(id).catch(() => undefined);
    }
    return { workload: name, system: ctx.cluster.system, error: err instanceof Error ? err.message : String(err) };
  }
}

function targetSpec(ctx: WorkloadContext, leader: MemberStatus, mode: 'leader' | 'all', among = ctx.cluster.memberIds): TargetSpec {
  const ids = mode === 'leader' ? [leader.id] : [leader.id, ...among.filter((id) => id !== leader.id)];
  return { kind: ctx.cluster.system, endpoints: ids.map((id) => ctx.cluster.clientAddress(id)), requestTimeoutMs: ctx.settings.requestTimeoutMs };
}

/** Samples cluster, load-generator and whole-machine CPU exactly when the load generator opens
 *  and closes its window. */
function cpuWindow(ctx: WorkloadContext): {
  hooks: { onMeasureStart(): void; onMeasureEnd(): void };
  result(): { clusterMs: number; loadgenMs: number; otherMs: number };
} {
  let cluster: CpuMeter | undefined;
  let loadgen: CpuMeter | undefined;
  let machine: ReturnType<typeof machineCpuMs>;
  let clusterMs = NaN;
  let loadgenMs = NaN;
  let otherMs = NaN;
  return {
    hooks: {
      onMeasureStart: () => {
        cluster = new CpuMeter(ctx.cluster.pids());
        loadgen = new CpuMeter([ctx.loadgen.pid, process.pid]);
        machine = machineCpuMs();
      },
      onMeasureEnd: () => {
        clusterMs = cluster?.read() ?? NaN;
        loadgenMs = loadgen?.read() ?? NaN;
        const now = machineCpuMs();
        otherMs = now && machine ? now.busyMs - machine.busyMs - clusterMs - loadgenMs : NaN;
      },
    },
    result: () => ({ clusterMs, loadgenMs, otherMs }),
  };
}

function rssPerNode(cluster: BenchCluster): number[] {
  return cluster.pids().map((pid) => Math.round(((rssBytes(pid) ?? 0) / 2 ** 20) * 10) / 10);
}

function sameLeader(a: MemberStatus, b: MemberStatus): boolean {
  return a.id === b.id && a.term === b.term;
}

async function runSteady(name: keyof typeof SHAPES, ctx: WorkloadContext): Promise<Cell> {
  const { cluster, settings } = ctx;
  const shape = SHAPES[name];
  const before = await waitForLeader(cluster, 10_000);
  const job: LoadJob = {
    kind: 'load',
    target: targetSpec(ctx, before, settings.endpoints),
    op: shape.op,
    concurrency: shape.concurrency,
    warmupMs: settings.warmupMs,
    measureMs: settings.measureMs,
    keyCount: settings.keyCount,
    valueBytes: settings.valueBytes,
    prefill: shape.op !== 'write',
    failureBackoffMs: 10,
  };
  const cpu = cpuWindow(ctx);
  const r = await ctx.loadgen.load(job, cpu.hooks).result;
  const { clusterMs, loadgenMs, otherMs } = cpu.result();
  const after = await waitForLeader(cluster, 10_000);
  const notes: string[] = [];
  const loadgenPct = (loadgenMs * 100) / r.measuredMs;
  if (loadgenPct > 85) notes.push(`load generator used ${loadgenPct.toFixed(0)}% of a core: it may be the bottleneck`);
  return {
    workload: name,
    system: cluster.system,
    measuredMs: r.measuredMs,
    ops: r.ops,
    opsPerSec: r.opsPerSec,
    p50Ms: r.latency.p50Ms,
    p99Ms: r.latency.p99Ms,
    maxMs: r.latency.maxMs,
    failed: r.failed,
    errors: r.errors,
    clusterCpuPct: (clusterMs * 100) / r.measuredMs,
    loadgenCpuPct: loadgenPct,
    otherCpuPct: (otherMs * 100) / r.measuredMs,
    clusterCpuMsPerOp: r.ops ? clusterMs / r.ops : NaN,
    loadgenCpuMsPerOp: r.ops ? loadgenMs / r.ops : NaN,
    rssMbPerNode: rssPerNode(cluster),
    leaderChanged: !sameLeader(before, after),
    ...(notes.length ? { notes } : {}),
  };
}

/** kill -9 the leader under one steady writer; time from the kill to the next acknowledged write
 *  that was sent after the kill; then read every acknowledged write back from the survivors. */
const FAILOVER_REQUEST_TIMEOUT_MS = 1000;

async function runFailover(ctx: WorkloadContext): Promise<Cell> {
  const { cluster, settings } = ctx;
  const leader = await waitForLeader(cluster, 10_000);
  const survivors = cluster.memberIds.filter((id) => id !== leader.id);
  const cpu = cpuWindow(ctx);
  let measuring: () => void = () => {};
  const started = new Promise<void>((resolve) => (measuring = resolve));
  const handle = ctx.loadgen.load(
    {
      kind: 'load',
      // A short per-request timeout, so a request stuck on the dead leader's connection costs the
      // client at most this much; the same for both stores.
      target: { ...targetSpec(ctx, leader, 'all'), requestTimeoutMs: FAILOVER_REQUEST_TIMEOUT_MS },
      op: 'write',
      concurrency: 1,
      warmupMs: settings.warmupMs,
      measureMs: undefined,
      keyCount: settings.keyCount,
      valueBytes: settings.valueBytes,
      prefill: false,
      uniqueKeyPrefix: `failover-${Date.now()}-`,
      recordAcks: true,
      failureBackoffMs: 5,
    },
    { onMeasureStart: () => { cpu.hooks.onMeasureStart(); measuring(); }, onMeasureEnd: () => cpu.hooks.onMeasureEnd() },
  );
  let killAt = NaN;
  /** When the killed leader was gone (its exit seen): writes sent from then on cannot be answered by it. */
  let deadAt = NaN;
  let newLeader: MemberStatus | undefined;
  let electedAt = NaN;
  try {
    await started;
    await sleep(Math.min(1000, settings.measureMs / 2));
    killAt = nowMs();
    await cluster.kill(leader.id);
    // A write sent between the signal and the exit may still be answered by the dying leader
    // (etcd once acknowledged one 5 ms "after the kill"): only writes sent after its exit count.
    deadAt = nowMs();
    const acked = handle.ackedAfter(deadAt);
    ctx.log(`  killed leader ${leader.id} (term ${leader.term})`);
    newLeader = await waitForLeader(cluster, 30_000, survivors);
    electedAt = nowMs();
    // Keep writing until the client has a write acknowledged after the kill (bounded), then a little more.
    await Promise.race([acked, sleep(30_000)]);
    await sleep(Math.min(500, settings.measureMs / 4));
  } finally {
    handle.stop();
  }
  const r = await handle.result;
  const { clusterMs, loadgenMs } = cpu.result();
  const acks = r.acks ?? [];
  const firstAfter = acks.filter((a) => a.startAt >= deadAt).reduce((min, a) => Math.min(min, a.ackAt), Infinity);
  const lastBefore = acks.filter((a) => a.ackAt <= killAt).reduce((max, a) => Math.max(max, a.ackAt), -Infinity);

  const verify = await ctx.loadgen.verify({
    kind: 'verify',
    target: { kind: cluster.system, endpoints: survivors.map((id) => cluster.clientAddress(id)), requestTimeoutMs: settings.requestTimeoutMs },
    expected: acks.map((a) => [a.key, a.value] as const),
    concurrency: 16,
  });
  const notes = [
    `new leader ${newLeader?.id} in term ${newLeader?.term}, seen by the bench (50 ms polling) ${(electedAt - killAt).toFixed(0)} ms after the kill`,
    `client request timeout during failover: ${FAILOVER_REQUEST_TIMEOUT_MS} ms`,
    `client-visible gap ${(firstAfter - lastBefore).toFixed(0)} ms (last ack before the kill to first ack after it)`,
    `${r.failedTotal} failed attempts during failover (${Object.entries(r.errors).map(([k, v]) => `${k} ${v}`).join(', ') || 'none'})`,
  ];
  if (verify.mismatched || verify.missing || verify.unreadable) notes.push(`read-back problems: ${verify.examples.join('; ')}`);

  // Bring the killed member back so the next workload has all three.
  await cluster.restart(leader.id);
  await waitForLeader(cluster, 30_000);
  await waitForCaughtUp(cluster, leader.id, 30_000);

  return {
    workload: 'failover',
    system: cluster.system,
    measuredMs: r.measuredMs,
    ops: r.ops,
    opsPerSec: r.opsPerSec,
    p50Ms: r.latency.p50Ms,
    p99Ms: r.latency.p99Ms,
    maxMs: r.latency.maxMs,
    failed: r.failed,
    errors: r.errors,
    clusterCpuPct: (clusterMs * 100) / r.measuredMs,
    loadgenCpuPct: (loadgenMs * 100) / r.measuredMs,
    failoverMs: Number.isFinite(firstAfter) ? firstAfter - killAt : NaN,
    electionMs: electedAt - killAt,
    ackedWrites: acks.length,
    lostWrites: verify.missing + verify.mismatched + verify.unreadable,
    leaderChanged: true,
    notes,
  };
}

/** kill -9 a follower, write for a while, restart it: time until it has applied everything the
 *  leader had committed when the load stopped. */
async function runCatchUp(ctx: WorkloadContext): Promise<Cell> {
  const { cluster, settings } = ctx;
  const leader = await waitForLeader(cluster, 10_000);
  const follower = cluster.memberIds.find((id) => id !== leader.id);
  if (!follower) throw new Error('no follower');
  const followerBefore = await cluster.status(follower);
  await cluster.kill(follower);
  ctx.log(`  killed follower ${follower}; writing for ${(settings.catchUpLoadMs / 1000).toFixed(1)} s`);
  const cpu = cpuWindow(ctx);
  const r = await ctx.loadgen.load(
    {
      kind: 'load',
      target: targetSpec(ctx, leader, 'leader'),
      op: 'write',
      concurrency: 64,
      warmupMs: 0,
      measureMs: settings.catchUpLoadMs,
      keyCount: settings.keyCount,
      valueBytes: settings.valueBytes,
      prefill: false,
      failureBackoffMs: 10,
    },
    cpu.hooks,
  ).result;
  const target = (await cluster.status(leader.id)).commitIndex;
  const meter = new CpuMeter(cluster.pids());
  const restartAt = nowMs();
  await cluster.restart(follower);
  const pid = cluster.pidOf(follower);
  if (pid !== undefined) meter.add(pid);
  const { firstAnswerMs, caughtUpMs } = await waitForCaughtUp(cluster, follower, 60_000, target, restartAt);
  const catchUpCpuMs = meter.read();
  const after = await waitForLeader(cluster, 10_000);
  const load = cpu.result();
  return {
    workload: 'catch-up',
    system: cluster.system,
    ops: r.ops,
    opsPerSec: r.opsPerSec,
    p50Ms: r.latency.p50Ms,
    p99Ms: r.latency.p99Ms,
    failed: r.failed,
    errors: r.errors,
    clusterCpuPct: (load.clusterMs * 100) / r.measuredMs,
    loadgenCpuPct: (load.loadgenMs * 100) / r.measuredMs,
    clusterCpuMsPerOp: r.ops ? load.clusterMs / r.ops : NaN,
    catchUpMs: caughtUpMs,
    catchUpAfterStartMs: caughtUpMs - firstAnswerMs,
    catchUpEntries: target - followerBefore.appliedIndex,
    leaderChanged: !sameLeader(leader, after),
    notes: [
      `${target - followerBefore.appliedIndex} log entries behind; first status answer ${firstAnswerMs.toFixed(0)} ms after restart (process start included)`,
      `cluster CPU during catch-up ${catchUpCpuMs.toFixed(0)} ms`,
    ],
  };
}

/** No load at all: what the cluster costs doing nothing (ticks, heartbeats, timers). */
async function runIdle(ctx: WorkloadContext): Promise<Cell> {
  const { cluster } = ctx;
  const before = await waitForLeader(cluster, 10_000);
  const ms = Math.min(2000, ctx.settings.measureMs);
  const meter = new CpuMeter(cluster.pids());
  const machine0 = machineCpuMs();
  const t0 = performance.now();
  await sleep(ms);
  const clusterMs = meter.read();
  const machine1 = machineCpuMs();
  const wall = performance.now() - t0;
  const after = await waitForLeader(cluster, 10_000);
  return {
    workload: 'idle',
    system: cluster.system,
    measuredMs: wall,
    clusterCpuPct: (clusterMs * 100) / wall,
    ...(machine0 && machine1 ? { otherCpuPct: ((machine1.busyMs - machine0.busyMs - clusterMs) * 100) / wall } : {}),
    rssMbPerNode: rssPerNode(cluster),
    leaderChanged: !sameLeader(before, after),
  };
}

/** Write `memoryKeys` distinct keys of `valueBytes` each, then read every member's RSS. */
async function runMemory(ctx: WorkloadContext): Promise<Cell> {
  const { cluster, settings } = ctx;
  const leader = await waitForLeader(cluster, 10_000);
  const rssBefore = cluster.pids().map((pid) => rssBytes(pid) ?? 0);
  ctx.log(`  writing ${settings.memoryKeys.toLocaleString('en-US')} distinct keys, 256 in flight`);
  const cpu = cpuWindow(ctx);
  const r = await ctx.loadgen.load(
    {
      kind: 'load',
      target: targetSpec(ctx, leader, settings.endpoints),
      op: 'write',
      concurrency: 256,
      warmupMs: 0,
      measureMs: undefined,
      keyCount: settings.keyCount,
      valueBytes: settings.valueBytes,
      prefill: false,
      uniqueKeyPrefix: 'mem-',
      maxOps: settings.memoryKeys,
      failureBackoffMs: 10,
    },
    cpu.hooks,
  ).result;
  // Let every member apply the tail and the garbage collector settle before reading RSS.
  await waitForCaughtUp(cluster, leader.id, 60_000);
  for (const id of cluster.memberIds) await waitForCaughtUp(cluster, id, 60_000);
  await sleep(2000);
  const rssAfter = cluster.pids().map((pid) => rssBytes(pid) ?? 0);
  const growth = rssAfter.map((after, i) => after - (rssBefore[i] ?? 0));
  const perKey = growth.reduce((a, b) => a + b, 0) / growth.length / Math.max(1, r.ops + r.failedTotal);
  const keyBytes = `mem-${settings.memoryKeys}`.length;
  const { clusterMs, loadgenMs } = cpu.result();
  return {
    workload: 'memory',
    system: cluster.system,
    ops: r.ops,
    opsPerSec: r.opsPerSec,
    p50Ms: r.latency.p50Ms,
    p99Ms: r.latency.p99Ms,
    failed: r.failed,
    errors: r.errors,
    clusterCpuPct: (clusterMs * 100) / r.measuredMs,
    loadgenCpuPct: (loadgenMs * 100) / r.measuredMs,
    memoryKeys: settings.memoryKeys,
    rssMbPerNode: rssPerNode(cluster),
    rssBytesPerKey: perKey,
    notes: [
      `RSS per member before ${rssBefore.map((b) => (b / 2 ** 20).toFixed(0)).join('/')} MiB, after ${rssAfter.map((b) => (b / 2 ** 20).toFixed(0)).join('/')} MiB`,
      `${perKey.toFixed(0)} bytes of RSS per key, of which ${(perKey - keyBytes - settings.valueBytes).toFixed(0)} are overhead beyond the ~${keyBytes}-byte key and ${settings.valueBytes}-byte value`,
    ],
  };
}

async function waitForCaughtUp(
  cluster: BenchCluster,
  id: string,
  timeoutMs: number,
  target?: number,
  since = nowMs(),
): Promise<{ firstAnswerMs: number; caughtUpMs: number }> {
  const deadline = since + timeoutMs;
  let firstAnswerMs = NaN;
  let goal = target;
  while (nowMs() < deadline) {
    if (goal === undefined) {
      const leader = await waitForLeader(cluster, 10_000).catch(() => undefined);
      goal = leader?.commitIndex;
    }
    const s = await cluster.status(id, 200).catch(() => undefined);
    if (s) {
      if (Number.isNaN(firstAnswerMs)) firstAnswerMs = nowMs() - since;
      if (goal !== undefined && s.appliedIndex >= goal) return { firstAnswerMs, caughtUpMs: nowMs() - since };
    }
    await sleep(5);
  }
  throw new Error(`${cluster.system} ${id} did not catch up to index ${goal} within ${timeoutMs} ms:\n${cluster.logTail(id)}`);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
