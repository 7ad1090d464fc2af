// What the workloads need from a three-member cluster, whichever store runs in it.
import net from 'node:net';
import { removeDir } from './cleanup.js';
import type { MemberProcess } from './member-process.js';

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

export interface Member {
  readonly address: string;
  readonly proc: MemberProcess;
}

/** The process plumbing both stores share: members are local processes with a data dir each. */
export abstract class ProcessCluster implements BenchCluster {
  abstract readonly system: 'raftkv' | 'etcd';
  abstract readonly version: string;
  readonly memberIds: readonly string[];

  protected constructor(
    protected readonly dir: string,
    protected readonly members: Map<string, Member>,
  ) {
    this.memberIds = [...members.keys()];
  }

  abstract status(id: string, timeoutMs?: number): Promise<MemberStatus>;

  /** Start every member and wait for an agreed leader; on failure stop everything and report the logs. */
  protected async boot(timeoutMs: number): Promise<void> {
    try {
      for (const m of this.members.values()) m.proc.start();
      await waitForLeader(this, timeoutMs);
    } catch (err) {
      const logs = this.memberIds.map((id) => `--- ${id} ---\n${this.logTail(id)}`).join('\n');
      await this.stop();
      throw new Error(`${this.system} cluster did not start: ${(err as Error).message}\n${logs}`, { cause: err });
    }
  }

  clientAddress(id: string): string {
    return this.member(id).address;
  }

  pids(): number[] {
    return [...this.members.values()].flatMap((m) => (m.proc.pid === undefined ? [] : [m.proc.pid]));
  }

  pidOf(id: string): number | undefined {
    return this.member(id).proc.pid;
  }

  kill(id: string): Promise<void> {
    return this.member(id).proc.kill();
  }

  async restart(id: string): Promise<void> {
    this.member(id).proc.start();
  }

  async stop(): Promise<void> {
    await Promise.all([...this.members.values()].map((m) => m.proc.stop()));
    removeDir(this.dir);
  }

  logTail(id: string): string {
    const m = this.member(id);
    const exit = m.proc.exitDescription;
    return (exit ? `[${exit}]\n` : '') + m.proc.logTail();
  }

  protected member(id: string): Member {
    const m = this.members.get(id);
    if (!m) throw new Error(`no member ${id}`);
    return m;
  }
}
