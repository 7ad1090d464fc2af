// One linearizability run under faults: a five-node cluster (in network namespaces when
// possible), the workload from src/verify/runner.ts, the seeded nemesis; then heal, final
// reads and the check. Shared by linearizability.test.ts and verify-main.ts.
import { Cluster } from '../harness.js';
import { Nemesis } from '../nemesis.js';
import { runWorkload, verify, type VerifyReport, type WorkloadStats } from '../../../src/verify/runner.js';
import { createNetnsCluster, netnsUnavailableReason, waitConverged } from './support.js';

export interface FaultRunOptions {
  readonly seconds: number;
  readonly seed: number;
  readonly clients?: number;
  readonly keys?: number;
  readonly size?: number;
  /** Negative control: serializable reads must be caught as not linearizable under partitions. */
  readonly readConsistency?: 'linearizable' | 'serializable';
  readonly log?: (line: string) => void;
  /** Called with a cleanup function as soon as there is something to clean up (for t.after). */
  readonly onCleanup?: (cleanup: () => Promise<void>) => void;
}

export interface FaultRunResult {
  readonly report: VerifyReport;
  readonly stats: WorkloadStats;
  readonly faults: readonly string[];
  readonly isolation: 'netns' | 'none';
}

export async function runLinearizabilityUnderFaults(options: FaultRunOptions): Promise<FaultRunResult> {
  const log = options.log ?? (() => {});
  const size = options.size ?? 5;
  const args = ['--request-timeout-ms', '1000'];
  const noNetns = netnsUnavailableReason();
  let cluster: Cluster;
  let cleanup: () => Promise<void>;
  let nemesis: Nemesis;
  if (noNetns) {
    log(`no network namespaces (${noNetns}): faults are kill and pause only`);
    cluster = await Cluster.create({ size, args });
    cleanup = () => cluster.cleanup();
    options.onCleanup?.(cleanup);
    nemesis = new Nemesis(cluster, null, options.seed, { log });
  } else {
    const env = await createNetnsCluster(size, { args }, `${process.pid}l`);
    cluster = env.cluster;
    cleanup = () => env.cleanup();
    options.onCleanup?.(cleanup);
    nemesis = new Nemesis(cluster, env.lab, options.seed, { log });
  }
  try {
    cluster.startAll();
    await cluster.waitForLeader(20_000);
    log(`nemesis seed ${options.seed}; ${size} nodes; ${options.seconds} s of load`);
    nemesis.start();
    const { history, stats } = await runWorkload({
      endpoints: cluster.nodes.map((n) => n.url),
      seconds: options.seconds,
      clients: options.clients ?? 6,
      keys: options.keys ?? 4,
      seed: options.seed,
      requestTimeoutMs: 2000,
      ...(options.readConsistency ? { readConsistency: options.readConsistency } : {}),
      beforeFinalReads: async () => {
        await nemesis.stop();
        await cluster.waitForLeader(20_000);
        await waitConverged(cluster.nodes, 20_000);
      },
    });
    const report = verify(history, { timeoutMs: 60_000 });
    return { report, stats, faults: nemesis.events, isolation: noNetns ? 'none' : 'netns' };
  } catch (err) {
    log(cluster.logs());
    throw err;
  }
}
