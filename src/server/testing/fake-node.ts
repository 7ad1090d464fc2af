// An in-memory stand-in for RunningNode, for HTTP-layer unit tests only: no Raft, no disk.
// Its knobs let a test play leader, follower (with a leader address to forward to) or a
// node in trouble (propose/readBarrier failing with the node's typed errors).
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { KeyValue, KvCommand, KvResult } from '../../kv/command.js';
import { NotLeaderError, type Leadership, type NodeStatus, type RunningNode } from '../../node/types.js';
import { index, nodeId, term, type NodeId, type Role } from '../../raft/types.js';

type ProposedCommand = Omit<Extract<KvCommand, { op: 'put' }>, 'time'> | Omit<Extract<KvCommand, { op: 'del' }>, 'time'>;

export class FakeNode implements RunningNode {
  readonly id: NodeId;
  role: Role = 'leader';
  leaderId: NodeId | null;
  leaderAddress: string | null = null;
  term = term(1);
  /** When set, the next propose/readBarrier rejects with this instead. */
  proposeError: Error | null = null;
  readBarrierError: Error | null = null;
  /** Delay before propose resolves, to test in-flight requests across shutdown. */
  proposeDelayMs = 0;
  readonly proposed: ProposedCommand[] = [];
  readBarriers = 0;
  /** Every propose call, including those refused with NotLeaderError. */
  proposeCalls = 0;
  peerUpgrades = 0;
  closed = false;
  private readonly data = new Map<string, KeyValue>();
  private readonly idempotent = new Map<string, KvResult>();
  private revision = 0;
  private readonly addresses = new Map<NodeId, string>();

  constructor(id = 'node1') {
    this.id = nodeId(id);
    this.leaderId = this.id;
  }

  /** Make this node a follower of `leader` reachable at `address` (or of nobody). */
  follow(leader: string | null, address: string | null): this {
    this.role = 'follower';
    this.leaderId = leader === null ? null : nodeId(leader);
    this.leaderAddress = address;
    if (leader !== null && address !== null) this.addresses.set(nodeId(leader), address);
    return this;
  }

  async propose(cmd: Omit<KvCommand, 'time'>): Promise<KvResult> {
    this.proposeCalls++;
    if (this.proposeError) throw this.proposeError;
    if (this.role !== 'leader') throw new NotLeaderError(this.leaderId, this.leaderAddress);
    if (this.proposeDelayMs > 0) await new Promise((r) => setTimeout(r, this.proposeDelayMs));
    const command = cmd as ProposedCommand;
    this.proposed.push(command);
    if (command.idempotencyKey !== undefined) {
      const earlier = this.idempotent.get(command.idempotencyKey);
      if (earlier) return earlier;
    }
    const result = this.apply(command);
    if (command.idempotencyKey !== undefined) this.idempotent.set(command.idempotencyKey, result);
    return result;
  }

  private apply(cmd: ProposedCommand): KvResult {
    const current = this.data.get(cmd.key);
    const failsValue = cmd.prevValue !== undefined && current?.value !== cmd.prevValue;
    const failsRevision = cmd.prevRevision !== undefined && (current?.revision ?? 0) !== cmd.prevRevision;
    if (failsValue || failsRevision) {
      return { ok: false, code: 'PRECONDITION_FAILED', current: current ? { value: current.value, revision: current.revision } : null };
    }
    const revision = ++this.revision;
    if (cmd.op === 'put') {
      this.data.set(cmd.key, { key: cmd.key, value: cmd.value, revision });
      return { ok: true, op: 'put', key: cmd.key, value: cmd.value, revision };
    }
    const deleted = this.data.delete(cmd.key);
    return { ok: true, op: 'del', key: cmd.key, deleted, revision };
  }

  async readBarrier(): Promise<void> {
    this.readBarriers++;
    if (this.readBarrierError) throw this.readBarrierError;
  }

  get(key: string): KeyValue | undefined {
    return this.data.get(key);
  }

  list(prefix: string, limit: number): { items: KeyValue[]; more: boolean } {
    const matching = [...this.data.values()].filter((kv) => kv.key.startsWith(prefix)).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return { items: matching.slice(0, limit), more: matching.length > limit };
  }

  leadership(): Leadership {
    const s = this.status();
    return { role: s.state, leaderId: s.leaderId, term: s.term };
  }

  status(): NodeStatus {
    return {
      nodeId: this.id,
      state: this.role,
      term: this.term,
      leaderId: this.leaderId,
      logLength: this.revision,
      firstIndex: index(1),
      lastIndex: index(this.revision),
      commitIndex: index(this.revision),
      lastApplied: index(this.revision),
      snapshotIndex: index(0),
      members: [{ id: this.id, address: this.addresses.get(this.id) ?? '127.0.0.1:0', role: this.role }],
    };
  }

  addressOf(id: NodeId): string | undefined {
    return this.addresses.get(id);
  }

  handlePeerUpgrade(_req: IncomingMessage, socket: Duplex): void {
    this.peerUpgrades++;
    socket.end('HTTP/1.1 101 Switching Protocols\r\nUpgrade: raft\r\nConnection: Upgrade\r\n\r\n');
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
