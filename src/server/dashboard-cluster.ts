// The cluster as the node serving a dashboard sees it: its own status, what its peers report
// about themselves when asked (GET /ui/state, short timeout), what the leader knows about
// replication, and a timeline of the changes seen while someone watched.
import type { MemberInfo, RunningNode } from '../node/types.js';
import type { ControlLink, ProcessState } from './dashboard-control.js';
import { fetchReport, ownReport, type MemberReport } from './dashboard-report.js';
import { ClusterSeries, type StatPoint } from './dashboard-series.js';
import type { RequestStats } from './dashboard-stats.js';

export interface MemberView {
  readonly id: string;
  readonly address: string;
  readonly self: boolean;
  /** Answered this node's last question (itself: always). */
  readonly reachable: boolean;
  /** Milliseconds since its last answer; null if it never answered. The fields below are from it. */
  readonly reportAgeMs: number | null;
  readonly role: string;
  readonly term: number | null;
  readonly leaderId: string | null;
  readonly lastIndex: number | null;
  readonly commitIndex: number | null;
  readonly lastApplied: number | null;
  readonly snapshotIndex: number | null;
  /** Entries behind the leader's last index, as the leader tracks it (else from the reports). */
  readonly lag: number | null;
  /** Since the leader (or, without one, this node) last heard from it over the peer stream. */
  readonly lastHeardMsAgo: number | null;
  readonly heardBy: string | null;
  readonly process?: ProcessState;
}

export interface TimelineEvent {
  readonly seq: number;
  readonly at: number;
  readonly kind: 'leader' | 'term' | 'no-leader' | 'unreachable' | 'reachable';
  readonly term: number | null;
  readonly node: string | null;
  readonly text: string;
}

export interface ClusterView {
  readonly at: number;
  readonly nodeId: string;
  /** The leader this node knows of; null when it knows none. */
  readonly leaderId: string | null;
  readonly term: number;
  readonly members: MemberView[];
  /** Seconds completed since the previous view. */
  readonly points: StatPoint[];
  /** Timeline events since the previous view. */
  readonly events: TimelineEvent[];
}

const TIMELINE_MAX = 100;

export class ClusterWatcher {
  private readonly lastReports = new Map<string, MemberReport>();
  private readonly series = new ClusterSeries();
  private readonly timeline: TimelineEvent[] = [];
  private seq = 0;
  private readonly wasReachable = new Map<string, boolean>();
  private lastTermSeen = 0;
  private lastLeaderEvent = '';
  private lastLocalLeader: string | null | undefined;

  constructor(
    private readonly node: RunningNode,
    private readonly stats: RequestStats,
    private readonly control: ControlLink | null,
    private readonly peerTimeoutMs: number,
  ) {}

  history(): { points: StatPoint[]; timeline: TimelineEvent[] } {
    return { points: this.series.history(), timeline: [...this.timeline] };
  }

  /** One round: ask every peer (in parallel, bounded by the timeout) and assemble the view. */
  async sample(): Promise<ClusterView> {
    const self = this.node.status();
    const peers = self.members.filter((m) => m.id !== self.nodeId);
    const [own, processes, ...answers] = await Promise.all([
      ownReport(this.node, this.stats),
      this.control ? this.control.processes(this.peerTimeoutMs) : Promise.resolve(null),
      ...peers.map((m) => fetchReport(m.address, this.peerTimeoutMs)),
    ]);
    const now = Date.now();
    const fresh = new Map<string, MemberReport>([[self.nodeId, own]]);
    peers.forEach((m, i) => {
      const r = answers[i];
      if (r) fresh.set(m.id, r);
    });
    for (const [id, r] of fresh) this.lastReports.set(id, { ...r, at: id === self.nodeId ? r.at : now });
    const points = this.series.add(fresh, now);

    const leaderReport = own.status.leaderId !== null ? fresh.get(own.status.leaderId) : undefined;
    const leaderView = new Map<string, MemberInfo>((leaderReport?.status.members ?? []).map((m) => [m.id, m]));
    const ownView = new Map<string, MemberInfo>(own.status.members.map((m) => [m.id, m]));
    const leaderLast = leaderReport?.status.lastIndex ?? null;

    const members: MemberView[] = own.status.members.map((m) => {
      const isSelf = m.id === self.nodeId;
      const last = this.lastReports.get(m.id);
      const s = last?.status;
      const reachable = fresh.has(m.id);
      const fromLeader = leaderView.get(m.id);
      const heard = leaderReport && m.id !== leaderReport.status.nodeId ? fromLeader : isSelf ? undefined : ownView.get(m.id);
      const lag = fromLeader?.lag ?? (leaderLast !== null && s && reachable ? Math.max(0, leaderLast - s.lastIndex) : null);
      const proc = processes?.[m.id];
      return {
        id: m.id,
        address: m.address,
        self: isSelf,
        reachable,
        reportAgeMs: last ? now - last.at : null,
        role: reachable && s ? s.state : 'unknown',
        term: s?.term ?? null,
        leaderId: s?.leaderId ?? null,
        lastIndex: s?.lastIndex ?? null,
        commitIndex: s?.commitIndex ?? null,
        lastApplied: s?.lastApplied ?? null,
        snapshotIndex: s?.snapshotIndex ?? null,
        lag: m.id === own.status.leaderId ? 0 : lag,
        lastHeardMsAgo: heard?.lastHeardMsAgo ?? null,
        heardBy: heard?.lastHeardMsAgo !== undefined ? (leaderReport && m.id !== leaderReport.status.nodeId ? leaderReport.status.nodeId : self.nodeId) : null,
        ...(proc ? { process: proc } : {}),
      };
    });

    const events = this.noteChanges(self.nodeId, own.status.leaderId, members, now);
    return { at: now, nodeId: self.nodeId, leaderId: own.status.leaderId, term: own.status.term, members, points, events };
  }

  private noteChanges(selfId: string, localLeader: string | null, members: MemberView[], now: number): TimelineEvent[] {
    const out: TimelineEvent[] = [];
    const add = (kind: TimelineEvent['kind'], term: number | null, node: string | null, text: string): void => {
      const e: TimelineEvent = { seq: ++this.seq, at: now, kind, term, node, text };
      out.push(e);
      this.timeline.push(e);
    };
    const maxTerm = Math.max(0, ...members.filter((m) => m.reachable).map((m) => m.term ?? 0));
    if (maxTerm > this.lastTermSeen) {
      const starter = members.find((m) => m.reachable && m.term === maxTerm && m.role !== 'follower');
      add('term', maxTerm, starter?.id ?? null, `term ${maxTerm} began${starter ? ` (${starter.id} is ${starter.role})` : ''}`);
      this.lastTermSeen = maxTerm;
    }
    for (const m of members) {
      if (m.reachable && m.role === 'leader' && m.term !== null) {
        const key = `${m.term}/${m.id}`;
        if (key !== this.lastLeaderEvent) {
          add('leader', m.term, m.id, `${m.id} is leader in term ${m.term}`);
          this.lastLeaderEvent = key;
        }
      }
    }
    if (this.lastLocalLeader !== undefined && this.lastLocalLeader !== null && localLeader === null) {
      add('no-leader', null, selfId, `${selfId} lost track of the leader (was ${this.lastLocalLeader})`);
    }
    this.lastLocalLeader = localLeader;
    for (const m of members) {
      const before = this.wasReachable.get(m.id);
      if (before !== undefined && before !== m.reachable) {
        add(m.reachable ? 'reachable' : 'unreachable', null, m.id, m.reachable ? `${m.id} answers ${selfId} again` : `${m.id} stopped answering ${selfId}`);
      }
      this.wasReachable.set(m.id, m.reachable);
    }
    if (this.timeline.length > TIMELINE_MAX) this.timeline.splice(0, this.timeline.length - TIMELINE_MAX);
    return out;
  }
}
