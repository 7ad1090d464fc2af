// What the workloads need from a three-member cluster, whichever store runs in it.
import net from 'node:net';

export interface MemberStatus {
  readonly id: string;
  readonly isLeader: boolean;
  readonly leaderId: string | null;
  readonly term: number;
  readonly commitIndex: number;
  readonly appliedIndex: number;
}

export interface BenchCluster {
  readonly system: 'raftkv' | 'etcd';
  readonly version: string;
  readonly memberIds: readonly string[];
  clientAddress(id: string): string;
  /** PIDs of the members now running. */
  pids(): number[];
  pidOf(id: string): number | undefined;
  status(id: string, timeoutMs?: number): Promise<MemberStatus>;
  /** SIGKILL one member. */
  kill(id: string): Promise<void>;
  /** Start a killed member again on its old data directory; resolves once the process runs. */
  restart(id: string): Promise<void>;
  /** Stop every member (SIGTERM, then SIGKILL) and remove the data directories. */
  stop(): Promise<void>;
  /** Member log lines, for failure reports. */
  logTail(id: string): string;
}

/** The leader every live member agrees on, waiting up to `timeoutMs` for one. */
export async function waitForLeader(cluster: BenchCluster, timeoutMs: number, among = cluster.memberIds): Promise<MemberStatus> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    const statuses = await Promise.all(among.map((id) => cluster.status(id, 500).catch((err: unknown) => (last = String(err), undefined))));
    const live = statuses.filter((s): s is MemberStatus => s !== undefined);
    const leader = live.find((s) => s.isLeader);
    if (leader && live.length === among.length && live.every((s) => s.leaderId === leader.id && s.term === leader.term)) return leader;
    if (live.length) last = JSON.stringify(live.map((s) => [s.id, s.isLeader ? 'L' : 'F', s.term, s.leaderId]));
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${cluster.system}: no agreed leader within ${timeoutMs} ms (last: ${last})`);
}

export async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: n }, () => new Promise<net.Server>((resolve, reject) => {
      const s = net.createServer();
      s.once('error', reject);
      s.listen(0, '127.0.0.1', () => resolve(s));
    })),
  );
  const ports = servers.map((s) => (s.address() as net.AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}
