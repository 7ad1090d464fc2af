// A fresh three-node raftkv cluster on 127.0.0.1: real `raftkv serve` processes, fsync on,
// data in a temp dir removed at the end.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { removeDir, trackDir } from './cleanup.js';
import { freePorts, waitForLeader, type BenchCluster, type MemberStatus } from './cluster.js';
import { httpJson } from './http-json.js';
import { MemberProcess } from './member-process.js';

export const RAFTKV_CLI = fileURLToPath(new URL('../src/client/cli.js', import.meta.url));

interface DebugBody {
  nodeId: string;
  state: string;
  term: number;
  leaderId: string | null;
  commitIndex: number;
  lastApplied: number;
}

export interface RaftkvClusterOptions {
  readonly dataRoot: string;
  /** Directory for `node --cpu-prof` output, or undefined for no profiling. */
  readonly cpuProfileDir?: string;
}

export class RaftkvCluster implements BenchCluster {
  readonly system = 'raftkv' as const;
  readonly version: string;
  readonly memberIds: readonly string[];

  private constructor(
    private readonly dir: string,
    private readonly members: Map<string, { address: string; proc: MemberProcess }>,
  ) {
    this.memberIds = [...members.keys()];
    this.version = readPackageVersion();
  }

  static async start(options: RaftkvClusterOptions): Promise<RaftkvCluster> {
    if (!fs.existsSync(RAFTKV_CLI)) throw new Error(`${RAFTKV_CLI} does not exist: build first (npm run build)`);
    const dir = trackDir(fs.mkdtempSync(path.join(options.dataRoot, 'raftkv-bench-')));
    const ports = await freePorts(3);
    const ids = ports.map((_, i) => `node${i + 1}`);
    const peers = ids.map((id, i) => `${id}=127.0.0.1:${ports[i]}`).join(',');
    const members = new Map<string, { address: string; proc: MemberProcess }>();
    ids.forEach((id, i) => {
      const address = `127.0.0.1:${ports[i]}`;
      const nodeFlags = options.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`, `--cpu-prof-name=${id}-${Date.now()}.cpuprofile`] : [];
      const args = [...nodeFlags, RAFTKV_CLI, 'serve', '--id', id, '--listen', address, '--peers', peers, '--data-dir', path.join(dir, id)];
      const env = { ...process.env, LOG_LEVEL: process.env['LOG_LEVEL'] ?? 'warn' };
      members.set(id, { address, proc: new MemberProcess(id, process.execPath, args, path.join(dir, `${id}.log`), env) });
    });
    const cluster = new RaftkvCluster(dir, members);
    try {
      for (const m of members.values()) m.proc.start();
      await waitForLeader(cluster, 15_000);
    } catch (err) {
      const logs = ids.map((id) => `--- ${id} ---\n${cluster.logTail(id)}`).join('\n');
      await cluster.stop();
      throw new Error(`raftkv cluster did not start: ${(err as Error).message}\n${logs}`, { cause: err });
    }
    return cluster;
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

  async status(id: string, timeoutMs = 1000): Promise<MemberStatus> {
    const d = (await httpJson(this.member(id).address, 'GET', '/debug', undefined, timeoutMs)) as DebugBody;
    return { id: d.nodeId, isLeader: d.state === 'leader', leaderId: d.leaderId, term: d.term, commitIndex: d.commitIndex, appliedIndex: d.lastApplied };
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

  private member(id: string): { address: string; proc: MemberProcess } {
    const m = this.members.get(id);
    if (!m) throw new Error(`no member ${id}`);
    return m;
  }
}

function readPackageVersion(): string {
  try {
    const pkg = JSON.parse(fs.readFileSync(fileURLToPath(new URL('../../package.json', import.meta.url)), 'utf8')) as { version?: string };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}
