// What the exercises need beyond harness.ts: clusters inside network namespaces, waiting for
// replicas to converge, dumping a replica's data, and timing helpers.
import { spawnSync } from 'node:child_process';
import { Cluster, debug, eventually, request, sleep, type ClusterNode, type ClusterOptions, type Debug } from '../harness.js';
import { NetnsLab, netnsUnavailableReason } from '../netns.js';

export { netnsUnavailableReason };

/** A cluster whose node i runs in lab.nodes[i]'s namespace. cleanup() stops the nodes, then removes the namespaces. */
export interface NetnsCluster {
  readonly cluster: Cluster;
  readonly lab: NetnsLab;
  cleanup(): Promise<void>;
}

export async function createNetnsCluster(size: number, options: Omit<ClusterOptions, 'size' | 'netns'> = {}, tag?: string): Promise<NetnsCluster> {
  const lab = NetnsLab.create(size, tag);
  let cluster: Cluster;
  try {
    cluster = await Cluster.create({ ...options, size, netns: lab.nodes });
  } catch (err) {
    lab.destroy();
    throw err;
  }
  let done = false;
  return {
    cluster,
    lab,
    async cleanup() {
      if (done) return;
      done = true;
      try {
        await cluster.cleanup();
      } finally {
        lab.destroy();
      }
    },
  };
}

/** Every node in `nodes` answers /debug with the same commit index and has applied it; returns that index. */
export async function waitConverged(nodes: readonly ClusterNode[], timeoutMs = 15_000): Promise<number> {
  let last: Array<Debug | null> = [];
  try {
    return await eventually('replicas to converge', async () => {
      last = await Promise.all(nodes.map((n) => debug(n).catch(() => null)));
      const first = last[0];
      if (!first) return false;
      const ok = last.every((d) => d !== null && d.commitIndex === first.commitIndex && d.lastApplied === first.commitIndex && d.leaderId !== null);
      return ok ? first.commitIndex : false;
    }, timeoutMs);
  } catch (err) {
    throw new Error(`${(err as Error).message}; last views: ${JSON.stringify(last.map((d) => d && { id: d.nodeId, state: d.state, commit: d.commitIndex, applied: d.lastApplied, leader: d.leaderId }))}`);
  }
}

export interface KvItem {
  key: string;
  value: string;
  revision: number;
}

/** Every key of one replica, read locally (serializable), so it shows that replica's own data. */
export async function dumpLocal(n: ClusterNode): Promise<KvItem[]> {
  const out: KvItem[] = [];
  const r = await request(n, 'GET', '/kv?prefix=&limit=100000&consistency=serializable', undefined, 5000);
  if (r.status !== 200) throw new Error(`${n.spec.id}: list ${r.status} ${JSON.stringify(r.json)}`);
  out.push(...(r.json.items as KvItem[]));
  if (r.json.more) throw new Error(`${n.spec.id}: more than 100000 keys`);
  return out;
}

/** PUT that retries on 503/connection errors until acknowledged; returns the revision. */
export async function putAcked(n: ClusterNode | string, key: string, value: string, timeoutMs = 15_000): Promise<number> {
  return eventually(`PUT ${key} acknowledged`, async () => {
    const r = await request(n, 'PUT', `/kv/${encodeURIComponent(key)}`, { value }, 2000, { 'idempotency-key': `put-${key}-${value}` });
    return r.status === 200 ? (r.json.revision as number) : false;
  }, timeoutMs);
}

/** The leader among `nodes` as they see it now (without waiting for all running nodes to agree). */
export async function leaderAmong(nodes: readonly ClusterNode[], timeoutMs = 15_000): Promise<ClusterNode> {
  return eventually('a leader among ' + nodes.map((n) => n.spec.id).join(','), async () => {
    for (const n of nodes) {
      const d = await debug(n).catch(() => null);
      if (d?.state === 'leader') return n;
    }
    return null;
  }, timeoutMs);
}

/** Starts a node and waits until it answers /debug. */
export async function startAndWait(n: ClusterNode, timeoutMs = 15_000): Promise<void> {
  n.start();
  await eventually(`${n.spec.id} to answer`, async () => (await debug(n).catch(() => null)) !== null, timeoutMs);
}

/** SIGTERM, and SIGKILL if the node has not exited after `graceMs` (known shutdown hang). Returns whether it exited by itself. */
export async function stopGracefully(n: ClusterNode, graceMs = 5000): Promise<boolean> {
  const proc = n.proc;
  if (!proc || !n.running) return true;
  const t0 = Date.now();
  await n.stop('SIGTERM', graceMs);
  return proc.signalCode !== 'SIGKILL' && Date.now() - t0 < graceMs + 100;
}

export { sleep };

/** Runs a shell-free command, returning its status and output (for the Dockerfile script test). */
export function run(cmd: string, args: string[], cwd: string, timeoutMs: number, env: NodeJS.ProcessEnv = process.env): { status: number | null; output: string } {
  const r = spawnSync(cmd, args, { cwd, env, encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 });
  return { status: r.status, output: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) : ''}` };
}
