// What the HTTP server and the dashboard may ask of a running node.
import type { KeyValue, KvCommand, KvResult } from '../kv/command.js';
import type { Index, NodeId, Role, Term } from '../raft/types.js';

export interface MemberInfo {
  readonly id: NodeId;
  /** host:port serving both clients and peers. */
  readonly address: string;
  readonly role: Role | 'unknown';
  /** Leader's view, when this node is the leader (or relayed): replication progress. */
  readonly match?: Index;
  readonly next?: Index;
  readonly lag?: number;
  /** Leader's replication state for this follower: probe, replicate or snapshot. */
  readonly progress?: 'probe' | 'replicate' | 'snapshot';
  readonly lastHeardMsAgo?: number;
  readonly reachable?: boolean;
}

export interface NodeStatus {
  readonly nodeId: NodeId;
  readonly state: Role;
  readonly term: Term;
  readonly leaderId: NodeId | null;
  readonly logLength: number;
  readonly firstIndex: Index;
  readonly lastIndex: Index;
  readonly commitIndex: Index;
  readonly lastApplied: Index;
  readonly snapshotIndex: Index;
  readonly members: readonly MemberInfo[];
}

/** Raised by a node when a request cannot be served here. Mapped to HTTP codes by the server. */
export class NotLeaderError extends Error {
  override readonly name = 'NotLeaderError';
  constructor(readonly leaderId: NodeId | null, readonly leaderAddress: string | null) {
    super(leaderId ? `not the leader; the leader is ${leaderId}` : 'no leader is known');
  }
}
/** Definitely not applied: no leader, no quorum, shutting down. Safe to retry. */
export class UnavailableError extends Error {
  override readonly name = 'UnavailableError';
  constructor(message: string, options?: { cause?: unknown }) { super(message, options); }
}
/** Outcome unknown: the write may or may not take effect. */
export class TimeoutError extends Error {
  override readonly name = 'TimeoutError';
  constructor(message: string, options?: { cause?: unknown }) { super(message, options); }
}

/** A command as a client submits it: the node stamps `time` when proposing. */
export type ProposedCommand = KvCommand extends infer C ? (C extends KvCommand ? Omit<C, 'time'> : never) : never;

/** What every response header needs, cheap enough to ask on every request. */
export interface Leadership {
  readonly role: Role;
  readonly leaderId: NodeId | null;
  readonly term: Term;
}

export interface KvNode {
  readonly id: NodeId;
  leadership(): Leadership;
  /** Commit and apply a command through this node (which must be the leader, else NotLeaderError).
   *  Resolves with the state machine's result once applied here. Rejects with UnavailableError
   *  (not applied) or TimeoutError (unknown) after `timeoutMs`. */
  propose(cmd: ProposedCommand, timeoutMs?: number): Promise<KvResult>;
  /** Linearizable read point (ReadIndex, 6.4); works on followers. Resolves when the local state
   *  machine reflects every write committed before the call. */
  readBarrier(timeoutMs?: number): Promise<void>;
  /** Local, possibly stale reads. */
  get(key: string): KeyValue | undefined;
  list(prefix: string, limit: number): { items: KeyValue[]; more: boolean };
  status(): NodeStatus;
  /** host:port of a member, for forwarding. */
  addressOf(id: NodeId): string | undefined;
}

export interface NodeConfig {
  readonly id: NodeId;
  /** Every voting member including this one: id -> host:port (the one port per node). */
  readonly members: ReadonlyMap<NodeId, string>;
  readonly dataDir: string;
  /** Milliseconds per core tick. */
  readonly tickMs: number;
  readonly electionTicks: number;
  readonly heartbeatTicks: number;
  /** Take a snapshot after this many applied entries. */
  readonly snapshotEntries: number;
  /** Default request timeout for propose/readBarrier. */
  readonly requestTimeoutMs: number;
}

/** A running node as the HTTP server sees it. */
export interface RunningNode extends KvNode {
  /** Hand an HTTP Upgrade request for the peer stream to the node's transport. */
  handlePeerUpgrade(req: import('node:http').IncomingMessage, socket: import('node:stream').Duplex, head: Buffer): void;
  /** Graceful stop: refuse new work, fail pending proposals (UnavailableError), transfer leadership
   *  if leader, flush the log and close the data directory. */
  close(): Promise<void>;
}
