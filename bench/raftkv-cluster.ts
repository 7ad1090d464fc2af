// A fresh three-node raftkv cluster on 127.0.0.1: real `raftkv serve` processes, fsync on,
// data in a temp dir removed at the end.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { trackDir } from './cleanup.js';
import { freePorts, ProcessCluster, type Member, type MemberStatus } from './cluster.js';
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

export class RaftkvCluster extends ProcessCluster {
  readonly system = 'raftkv' as const;
  readonly version = readPackageVersion();

  private constructor(dir: string, members: Map<string, Member>) {
    super(dir, members);
  }

  static async start(options: RaftkvClusterOptions): Promise<RaftkvCluster> {
    if (!fs.existsSync(RAFTKV_CLI)) throw new Error(`${RAFTKV_CLI} does not exist: build first (npm run build)`);
    const dir = trackDir(fs.mkdtempSync(path.join(options.dataRoot, 'raftkv-bench-')));
    const ports = await freePorts(3);
    const ids = ports.map((_, i) => `node${i + 1}`);
    const peers = ids.map((id, i) => `${id}=127.0.0.1:${ports[i]}`).join(',');
    const members = new Map<string, Member>();
    ids.forEach((id, i) => {
      const address = `127.0.0.1:${ports[i]}`;
      const nodeFlags = options.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`, `--cpu-prof-name=${id}-${Date.now()}.cpuprofile`] : [];
      // Extra V8/Node flags for experiments, e.g. RAFTKV_BENCH_NODE_FLAGS="--trace-gc".
      nodeFlags.push(...(process.env['RAFTKV_BENCH_NODE_FLAGS'] ?? '').split(' ').filter(Boolean));
      const args = [...nodeFlags, RAFTKV_CLI, 'serve', '--id', id, '--listen', address, '--peers', peers, '--data-dir', path.join(dir, id)];
      const env = { ...process.env, LOG_LEVEL: process.env['LOG_LEVEL'] ?? 'warn' };
      members.set(id, { address, proc: new MemberProcess(id, process.execPath, args, path.join(dir, `${id}.log`), env) });
    });
    const cluster = new RaftkvCluster(dir, members);
    await cluster.boot(15_000);
    return cluster;
  }

  async status(id: string, timeoutMs = 1000): Promise<MemberStatus> {
    const d = (await httpJson(this.member(id).address, 'GET', '/debug', undefined, timeoutMs)) as DebugBody;
    return { id: d.nodeId, isLeader: d.state === 'leader', leaderId: d.leaderId, term: d.term, commitIndex: d.commitIndex, appliedIndex: d.lastApplied };
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
