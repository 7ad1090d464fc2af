// Fault and workload knobs, drawn per seed (swarm testing, after TigerBeetle's
// vopr.zig options_swarm): each run explores a different corner instead of every run
// averaging over all of them.
import type { Prng } from './prng.js';

/** Simulated time units per tick; message and disk delays are drawn in these units. */
export const UNITS_PER_TICK = 8;

export type PartitionKind = 'isolate' | 'split' | 'one-way' | 'leader' | 'random';
export const PARTITION_KINDS: readonly PartitionKind[] = ['isolate', 'split', 'one-way', 'leader', 'random'];

export interface SimOptions {
  readonly seed: number;
  readonly nodes: number;
  /** Ticks of the faulty phase; the liveness phase follows. */
  readonly ticks: number;
  readonly livenessTicks: number;
  readonly electionTicks: number;
  readonly heartbeatTicks: number;
  readonly preVote: boolean;
  readonly checkQuorum: boolean;
  readonly maxMsgBytes: number;
  readonly maxInflightMsgs: number;
  // network
  readonly dropRate: number;
  readonly dupRate: number;
  readonly delayMinUnits: number;
  readonly delayMaxUnits: number;
  /** Chance that a message is a straggler (faulty phase only): held 1 to 4 election timeouts,
   *  as a paused process or a TCP retransmission after a partition would. Safety must not
   *  depend on timing; liveness is demanded only after healing, when stragglers stop.
   *  On in the suite's 3- and 5-node groups (suite.ts); they found a real core bug (seed 100464:
   *  an ack queued before a truncation went out after it, now withdrawn by the core). */
  readonly straggleRate: number;
  /** Chance that a new leader crashes within half an election timeout of winning (faulty phase
   *  only): leaders that die while re-replicating older terms' entries leave the logs of
   *  Figure 8 (§5.4.2), where committing an earlier-term entry by counting replicas loses it. */
  readonly shortLivedLeaderRate: number;
  /** Chance that a dropped message is reported unreachable to its sender. */
  readonly unreachableReportRate: number;
  // partitions
  readonly partitionKinds: readonly PartitionKind[];
  /** Mean ticks between partition changes (0 = never partition). */
  readonly partitionEveryTicks: number;
  readonly partitionLastsTicks: number;
  // crashes
  /** Mean ticks between crashes (0 = never). */
  readonly crashEveryTicks: number;
  readonly downTicksMax: number;
  readonly tornWriteRate: number;
  readonly diskDelayMinUnits: number;
  readonly diskDelayMaxUnits: number;
  /** Applied entries between snapshots (compaction). */
  readonly compactEvery: number;
  /** Mean ticks between leadership transfers (0 = never). */
  readonly transferEveryTicks: number;
  // workload
  readonly clients: number;
  readonly keys: number;
  /** Weights of put, get, cas, del. */
  readonly mix: readonly [number, number, number, number];
  readonly opGapTicksMax: number;
  readonly opTimeoutTicks: number;
}

export interface OptionOverrides {
  nodes?: number;
  ticks?: number;
  /** Let some seeds have straggling messages (off in the npm suite: see straggleRate). */
  stragglers?: boolean;
  /** Let some seeds have leaders that crash soon after winning (see shortLivedLeaderRate). */
  shortLivedLeaders?: boolean;
}

export function swarmOptions(seed: number, rng: Prng, over: OptionOverrides = {}): SimOptions {
  const nodes = over.nodes ?? rng.pick([3, 3, 5, 5, 7]);
  const electionTicks = rng.range(8, 24);
  const heartbeatTicks = rng.range(1, Math.max(1, Math.min(4, Math.floor(electionTicks / 4))));
  // Raft needs broadcast time well below the election timeout (§5.6): keep a one-way delay
  // under a quarter of it, and a disk write under an eighth, or liveness cannot be demanded.
  const delayCapUnits = Math.floor((electionTicks * UNITS_PER_TICK) / 4);
  const delayMinUnits = rng.range(1, UNITS_PER_TICK);
  const calm = rng.chance(0.1); // some runs with no faults at all, to exercise the happy path at speed
  const kinds = rng.shuffle([...PARTITION_KINDS]).slice(0, rng.range(1, PARTITION_KINDS.length));
  return {
    seed,
    nodes,
    ticks: over.ticks ?? 2000,
    livenessTicks: 40 * electionTicks + 200,
    electionTicks,
    heartbeatTicks,
    preVote: rng.chance(0.7),
    checkQuorum: rng.chance(0.7),
    maxMsgBytes: rng.pick([64, 256, 1024 * 1024]),
    maxInflightMsgs: rng.pick([1, 4, 256]),
    dropRate: calm ? 0 : rng.pick([0, 0.01, 0.05, 0.15]),
    dupRate: calm ? 0 : rng.pick([0, 0.01, 0.05]),
    delayMinUnits,
    delayMaxUnits: Math.min(delayCapUnits, delayMinUnits + rng.pick([1, 4, UNITS_PER_TICK * 2, UNITS_PER_TICK * 6])),
    unreachableReportRate: rng.pick([0, 0.2]),
    partitionKinds: kinds,
    partitionEveryTicks: calm ? 0 : rng.pick([0, 60, 150, 300]),
    partitionLastsTicks: rng.range(electionTicks, electionTicks * 8),
    crashEveryTicks: calm ? 0 : rng.pick([0, 80, 200, 400]),
    downTicksMax: rng.range(5, electionTicks * 6),
    tornWriteRate: rng.pick([0, 0.3, 0.8]),
    diskDelayMinUnits: 1,
    diskDelayMaxUnits: Math.min(Math.floor((electionTicks * UNITS_PER_TICK) / 8), rng.pick([2, UNITS_PER_TICK, UNITS_PER_TICK * 4])),
    compactEvery: rng.pick([5, 20, 100, 1_000_000]),
    transferEveryTicks: calm ? 0 : rng.pick([0, 0, 300]),
    clients: rng.range(1, 4),
    keys: rng.range(1, 4),
    mix: [rng.range(1, 6), rng.range(1, 6), rng.range(0, 4), rng.range(0, 2)],
    opGapTicksMax: rng.pick([1, 5, 20]),
    opTimeoutTicks: rng.range(2, 6) * electionTicks,
    // Drawn last (and always) so that adding it left every other knob of every seed as it was.
    straggleRate: straggle(rng, calm, over.stragglers ?? false),
    // Drawn after it for the same reason.
    shortLivedLeaderRate: shortLived(rng, calm, over.shortLivedLeaders ?? false),
  };
}

function shortLived(rng: Prng, calm: boolean, enabled: boolean): number {
  const rate = rng.pick([0, 0.3, 0.6]);
  return calm || !enabled ? 0 : rate;
}

function straggle(rng: Prng, calm: boolean, enabled: boolean): number {
  const rate = rng.pick([0, 0, 0.003, 0.02]);
  return calm || !enabled ? 0 : rate;
}

export function describeOptions(o: SimOptions): string {
  return [
    `nodes=${o.nodes} ticks=${o.ticks}+${o.livenessTicks} election=${o.electionTicks} heartbeat=${o.heartbeatTicks}`,
    `preVote=${o.preVote} checkQuorum=${o.checkQuorum} maxMsgBytes=${o.maxMsgBytes} inflight=${o.maxInflightMsgs}`,
    `drop=${o.dropRate} dup=${o.dupRate} delay=${o.delayMinUnits}..${o.delayMaxUnits}u straggle=${o.straggleRate}`,
    `partitions every ~${o.partitionEveryTicks}t lasting ~${o.partitionLastsTicks}t kinds=${o.partitionKinds.join(',')}`,
    `crash every ~${o.crashEveryTicks}t down<=${o.downTicksMax}t torn=${o.tornWriteRate} disk=${o.diskDelayMinUnits}..${o.diskDelayMaxUnits}u short-lived leaders=${o.shortLivedLeaderRate}`,
    `compactEvery=${o.compactEvery} transferEvery=${o.transferEveryTicks}t`,
    `clients=${o.clients} keys=${o.keys} mix(put,get,cas,del)=${o.mix.join(',')} gap<=${o.opGapTicksMax}t timeout=${o.opTimeoutTicks}t`,
  ].join('\n  ');
}
