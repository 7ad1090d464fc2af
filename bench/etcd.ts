// A fresh three-member etcd cluster on 127.0.0.1 (its own temp data dirs, fsync on as by default),
// for side-by-side numbers. Watched through etcd's JSON gateway so the bench itself needs no client.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { trackDir } from './cleanup.js';
import { freePorts, ProcessCluster, type Member, type MemberStatus } from './cluster.js';
import { httpJson } from './http-json.js';
import { MemberProcess } from './member-process.js';

interface StatusBody {
  header?: { member_id?: string };
  leader?: string;
  raftIndex?: string;
  raftTerm?: string;
  raftAppliedIndex?: string;
}

/** `etcd --version`'s first line, or undefined when there is no etcd on the PATH. */
export function etcdVersion(): string | undefined {
  try {
    const out = execFileSync('etcd', ['--version'], { encoding: 'utf8', timeout: 5000 });
    return /etcd Version:\s*(\S+)/.exec(out)?.[1] ?? out.split('\n')[0];
  } catch {
    return undefined;
  }
}

export class EtcdCluster extends ProcessCluster {
  readonly system = 'etcd' as const;
  /** etcd's member id (hex in logs, decimal in the gateway) -> our name. */
  private readonly names = new Map<string, string>();

  private constructor(
    readonly version: string,
    dir: string,
    members: Map<string, Member>,
  ) {
    super(dir, members);
  }

  static async start(dataRoot: string): Promise<EtcdCluster> {
    const version = etcdVersion();
    if (!version) throw new Error('no etcd binary on the PATH');
    const dir = trackDir(fs.mkdtempSync(path.join(dataRoot, 'etcd-bench-')));
    const ports = await freePorts(6);
    const ids = ['etcd1', 'etcd2', 'etcd3'];
    const peerUrl = (i: number): string => `http://127.0.0.1:${ports[3 + i]}`;
    const initialCluster = ids.map((id, i) => `${id}=${peerUrl(i)}`).join(',');
    const members = new Map<string, Member>();
    ids.forEach((id, i) => {
      const address = `127.0.0.1:${ports[i]}`;
      const args = [
        '--name', id,
        '--data-dir', path.join(dir, id),
        '--listen-client-urls', `http://${address}`,
        '--advertise-client-urls', `http://${address}`,
        '--listen-peer-urls', peerUrl(i),
        '--initial-advertise-peer-urls', peerUrl(i),
        '--initial-cluster', initialCluster,
        '--initial-cluster-state', 'new',
        '--initial-cluster-token', `bench-${process.pid}-${Date.now()}`,
        '--logger', 'zap',
        '--log-level', 'warn',
      ];
      members.set(id, { address, proc: new MemberProcess(id, 'etcd', args, path.join(dir, `${id}.log`)) });
    });
    const cluster = new EtcdCluster(version, dir, members);
    await cluster.boot(20_000);
    return cluster;
  }

  async status(id: string, timeoutMs = 1000): Promise<MemberStatus> {
    const s = (await httpJson(this.member(id).address, 'POST', '/v3/maintenance/status', {}, timeoutMs)) as StatusBody;
    const self = s.header?.member_id ?? '';
    this.names.set(self, id);
    const leader = s.leader && s.leader !== '0' ? s.leader : null;
    return {
      id,
      isLeader: leader !== null && leader === self,
      // Before every member has answered once, an unknown leader id stays etcd's number.
      leaderId: leader === null ? null : (this.names.get(leader) ?? leader),
      term: Number(s.raftTerm ?? 0),
      commitIndex: Number(s.raftIndex ?? 0),
      appliedIndex: Number(s.raftAppliedIndex ?? 0),
    };
  }

}
