// What one node tells a dashboard about itself (GET /ui/state), and how a dashboard asks a peer.
import type { NodeStatus, RunningNode } from '../node/types.js';
import { readFsyncCounts, type FsyncCounts } from './dashboard-fsync.js';
import type { RequestCounts, RequestStats } from './dashboard-stats.js';

export interface MemberReport {
  /** Date.now() on the reporting node. */
  readonly at: number;
  /** Process start time: a new value means the counters below started again from zero. */
  readonly bootId: string;
  readonly status: NodeStatus;
  readonly requests: RequestCounts;
  readonly fsync: FsyncCounts | null;
}

const BOOT_ID = `${process.pid}-${Date.now()}`;

export async function ownReport(node: RunningNode, stats: RequestStats): Promise<MemberReport> {
  return { at: Date.now(), bootId: `${BOOT_ID}-${node.id}`, status: node.status(), requests: stats.snapshot(), fsync: await readFsyncCounts(node.id) };
}

export const REPORT_PATH = '/ui/state';

/** A peer's report, or null when it does not answer in time (down, paused, partitioned away). */
export async function fetchReport(address: string, timeoutMs: number): Promise<MemberReport | null> {
  try {
    const res = await fetch(`http://${address}${REPORT_PATH}`, { signal: AbortSignal.timeout(timeoutMs) });
    if (res.status !== 200) {
      await res.body?.cancel();
      return null;
    }
    const body = (await res.json()) as MemberReport;
    return body && typeof body === 'object' && body.status ? body : null;
  } catch {
    return null;
  }
}
