// The node's Raft figures in the process-wide Prometheus registry. Gauges are read at
// scrape time from every node bound in this process (tests run several), labelled by node.
import client from 'prom-client';
import type { Status } from '../raft/raw-node.js';

interface Bound {
  readonly status: () => Status;
  readonly keys: () => number;
}
const bound = new Map<string, Bound>();

function gauge(name: string, help: string, read: (s: Status, b: Bound) => number): void {
  if (client.register.getSingleMetric(name)) return;
  new client.Gauge({
    name,
    help,
    labelNames: ['node'],
    collect() {
      this.reset();
      for (const [id, b] of bound) this.set({ node: id }, read(b.status(), b));
    },
  });
}

function counter(name: string, help: string): client.Counter<'node'> {
  return (client.register.getSingleMetric(name) as client.Counter<'node'> | undefined) ?? new client.Counter({ name, help, labelNames: ['node'] });
}

function histogram(name: string, help: string, buckets: number[]): client.Histogram<'node'> {
  return (client.register.getSingleMetric(name) as client.Histogram<'node'> | undefined) ?? new client.Histogram({ name, help, labelNames: ['node'], buckets });
}

const ROLE_CODE: Record<string, number> = { follower: 0, 'pre-candidate': 1, candidate: 1, leader: 2 };

export interface NodeMetrics {
  readonly fsyncSeconds: { observe(v: number): void };
  readonly proposals: { inc(n?: number): void };
  readonly appliedEntries: { inc(n?: number): void };
  readonly leaderChanges: { inc(n?: number): void };
  bind(status: () => Status, keys: () => number): void;
  unbind(): void;
}

export function nodeMetrics(nodeId: string): NodeMetrics {
  gauge('raftkv_term', 'Current Raft term', (s) => s.term);
  gauge('raftkv_role', 'Role: 0 follower, 1 candidate, 2 leader', (s) => ROLE_CODE[s.role] ?? -1);
  gauge('raftkv_commit_index', 'Highest log index known committed', (s) => s.commit);
  gauge('raftkv_applied_index', 'Highest log index applied to the state machine', (s) => s.applied);
  gauge('raftkv_last_index', 'Last log index', (s) => s.lastIndex);
  gauge('raftkv_keys', 'Keys in the state machine', (_s, b) => b.keys());
  const labels = { node: nodeId };
  const fsync = histogram('raftkv_fsync_seconds', 'Duration of one log append + fdatasync batch', [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1]);
  const proposals = counter('raftkv_proposals_total', 'Commands proposed on this node as leader');
  const applied = counter('raftkv_applied_entries_total', 'Log entries applied');
  const leaderChanges = counter('raftkv_leader_changes_total', 'Times this node saw the leader change');
  return {
    fsyncSeconds: { observe: (v) => fsync.observe(labels, v) },
    proposals: { inc: (n = 1) => proposals.inc(labels, n) },
    appliedEntries: { inc: (n = 1) => applied.inc(labels, n) },
    leaderChanges: { inc: (n = 1) => leaderChanges.inc(labels, n) },
    bind: (status, keys) => void bound.set(nodeId, { status, keys }),
    unbind: () => void bound.delete(nodeId),
  };
}
