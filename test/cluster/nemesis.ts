// A seeded fault schedule for real clusters (Jepsen's nemesis): one fault at a time, held
// for a while, then repaired, then a quiet spell. Faults: a random partition (a minority cut
// off), a node cut off alone, kill -9 and restart on the same data directory, and a pause
// (SIGSTOP, then SIGCONT). The same seed gives the same schedule (which node, which fault,
// how long); the cluster's reaction still depends on timing.
import type { Cluster, ClusterNode } from './harness.js';
import type { NetnsLab } from './netns.js';
import { Prng } from '../../src/verify/prng.js';

export const FaultKind = {
  partition: 'partition',
  isolate: 'isolate',
  kill: 'kill',
  pause: 'pause',
} as const;
export type FaultKind = (typeof FaultKind)[keyof typeof FaultKind];

export interface NemesisOptions {
  /** Faults to choose from; partitions need a lab. Default: all that are possible. */
  readonly faults?: readonly FaultKind[];
  /** How long a fault is held, ms. Default [800, 2500]. */
  readonly holdMs?: readonly [number, number];
  /** Quiet time between faults, ms. Default [300, 1200]. */
  readonly quietMs?: readonly [number, number];
  readonly log?: (line: string) => void;
}

export class Nemesis {
  private readonly prng: Prng;
  private readonly faults: readonly FaultKind[];
  private running = false;
  private loop: Promise<void> | null = null;
  private t0 = performance.now();
  /** Every fault applied, for the report. */
  readonly events: string[] = [];
  readonly counts: Record<FaultKind, number> = { partition: 0, isolate: 0, kill: 0, pause: 0 };

  constructor(private readonly cluster: Cluster, private readonly lab: NetnsLab | null, readonly seed: number, private readonly options: NemesisOptions = {}) {
    this.prng = new Prng(seed);
    const all: FaultKind[] = lab ? ['partition', 'isolate', 'kill', 'pause'] : ['kill', 'pause'];
    this.faults = (options.faults ?? all).filter((f) => lab || (f !== 'partition' && f !== 'isolate'));
    if (this.faults.length === 0) throw new Error('Nemesis: no applicable faults');
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.t0 = performance.now();
    this.loop = this.run();
  }

  /** Stops the schedule and repairs everything: heal the network, resume paused nodes, restart dead ones. */
  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
    this.loop = null;
    await this.repairAll();
  }

  private note(line: string): void {
    const stamped = `${((performance.now() - this.t0) / 1000).toFixed(1).padStart(5)}s ${line}`;
    this.events.push(stamped);
    this.options.log?.(stamped);
  }

  private between([lo, hi]: readonly [number, number]): number {
    return lo + this.prng.int(hi - lo + 1);
  }

  private async run(): Promise<void> {
    const nodes = this.cluster.nodes;
    const n = nodes.length;
    const minority = Math.floor((n - 1) / 2);
    while (this.running) {
      const kind = this.prng.pick(this.faults);
      const hold = this.between(this.options.holdMs ?? [800, 2500]);
      const quiet = this.between(this.options.quietMs ?? [300, 1200]);
      // Draw every choice before acting, so the schedule depends on the seed only.
      const order = shuffle(this.prng, nodes.map((_, i) => i));
      const target = nodes[order[0]!]!;
      const cutSize = 1 + this.prng.int(Math.max(1, minority));
      this.counts[kind]++;
      switch (kind) {
        case 'partition': {
          const cut = order.slice(0, cutSize);
          const rest = order.slice(cutSize);
          await this.lab!.partition([rest, cut]);
          this.note(`partition ${ids(nodes, rest)} | ${ids(nodes, cut)} for ${hold} ms`);
          await sleep(hold);
          await this.lab!.heal();
          this.note('heal');
          break;
        }
        case 'isolate':
          await this.lab!.isolate(order[0]!);
          this.note(`isolate ${target.spec.id} for ${hold} ms`);
          await sleep(hold);
          await this.lab!.heal();
          this.note('heal');
          break;
        case 'kill':
          this.note(`kill -9 ${target.spec.id} (pid ${target.pid}), restart after ${hold} ms`);
          await target.kill();
          await sleep(hold);
          target.start();
          this.note(`restarted ${target.spec.id} (pid ${target.pid})`);
          break;
        case 'pause':
          this.note(`SIGSTOP ${target.spec.id} (pid ${target.pid}) for ${hold} ms`);
          target.pause();
          await sleep(hold);
          target.resume();
          this.note(`SIGCONT ${target.spec.id}`);
          break;
      }
      await sleep(quiet);
    }
  }

  private async repairAll(): Promise<void> {
    await this.lab?.heal();
    for (const node of this.cluster.nodes) {
      if (node.running) node.resume();
      else node.start();
    }
    this.note('repaired: network healed, every node running');
  }
}

function ids(nodes: readonly ClusterNode[], idx: readonly number[]): string {
  return idx.map((i) => nodes[i]!.spec.id).join(',');
}

function shuffle<T>(prng: Prng, items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = prng.int(i + 1);
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
