// Turns cells into the table (terminal and Markdown), BENCHMARKS.md and the JSON record.
import type { FloorResult } from './floor.js';
import type { MachineInfo } from './machine.js';
import type { Cell, WorkloadName } from './workloads.js';

export interface BenchRun {
  readonly date: string;
  readonly command: string;
  readonly machine: MachineInfo;
  readonly versions: { readonly raftkv: string; readonly etcd: string | null; readonly etcd3Client: string | null };
  readonly settings: Record<string, unknown>;
  readonly floor: FloorResult | null;
  readonly cells: readonly Cell[];
  readonly skipped: readonly string[];
}

interface Metric {
  readonly label: string;
  readonly value: (c: Cell) => number | undefined;
  readonly digits: number;
  /** A ratio of these says nothing (counts of failures, booleans). */
  readonly noRatio?: boolean;
}

const STEADY: Metric[] = [
  { label: 'ops/s', value: (c) => c.opsPerSec, digits: 0 },
  { label: 'p50 ms', value: (c) => c.p50Ms, digits: 3 },
  { label: 'p99 ms', value: (c) => c.p99Ms, digits: 2 },
  { label: 'failed', value: (c) => c.failed, digits: 0, noRatio: true },
  { label: 'cluster CPU % of a core', value: (c) => c.clusterCpuPct, digits: 0 },
  { label: 'cluster CPU ms/op', value: (c) => c.clusterCpuMsPerOp, digits: 3 },
  { label: 'loadgen CPU % of a core', value: (c) => c.loadgenCpuPct, digits: 0 },
  { label: 'loadgen CPU ms/op', value: (c) => c.loadgenCpuMsPerOp, digits: 3 },
  { label: 'other processes CPU %', value: (c) => c.otherCpuPct, digits: 0, noRatio: true },
  { label: 'leader changed', value: (c) => (c.leaderChanged === undefined ? undefined : c.leaderChanged ? 1 : 0), digits: 0, noRatio: true },
];

const FAILOVER: Metric[] = [
  { label: 'kill to next ack ms', value: (c) => c.failoverMs, digits: 0 },
  { label: 'kill to new leader ms (polled)', value: (c) => c.electionMs, digits: 0 },
  { label: 'acknowledged writes', value: (c) => c.ackedWrites, digits: 0, noRatio: true },
  { label: 'acked writes lost', value: (c) => c.lostWrites, digits: 0, noRatio: true },
  { label: 'write p50 ms', value: (c) => c.p50Ms, digits: 3 },
  { label: 'cluster CPU % of a core', value: (c) => c.clusterCpuPct, digits: 0 },
  { label: 'loadgen CPU % of a core', value: (c) => c.loadgenCpuPct, digits: 0 },
];

const CATCH_UP: Metric[] = [
  { label: 'restart to caught up ms', value: (c) => c.catchUpMs, digits: 0 },
  { label: 'first answer to caught up ms', value: (c) => c.catchUpAfterStartMs, digits: 0 },
  { label: 'entries behind', value: (c) => c.catchUpEntries, digits: 0, noRatio: true },
  { label: 'load ops/s (2 of 3 up)', value: (c) => c.opsPerSec, digits: 0 },
  { label: 'cluster CPU % of a core', value: (c) => c.clusterCpuPct, digits: 0 },
  { label: 'leader changed', value: (c) => (c.leaderChanged === undefined ? undefined : c.leaderChanged ? 1 : 0), digits: 0, noRatio: true },
];

const MEMORY: Metric[] = [
  { label: 'distinct keys written', value: (c) => c.memoryKeys, digits: 0, noRatio: true },
  { label: 'RSS per member MiB (max)', value: (c) => (c.rssMbPerNode?.length ? Math.max(...c.rssMbPerNode) : undefined), digits: 0 },
  { label: 'RSS growth bytes/key', value: (c) => c.rssBytesPerKey, digits: 0 },
  { label: 'load ops/s', value: (c) => c.opsPerSec, digits: 0 },
];

const IDLE: Metric[] = [
  { label: 'cluster CPU % of a core', value: (c) => c.clusterCpuPct, digits: 1 },
  { label: 'RSS per member MiB (max)', value: (c) => (c.rssMbPerNode?.length ? Math.max(...c.rssMbPerNode) : undefined), digits: 0 },
  { label: 'other processes CPU %', value: (c) => c.otherCpuPct, digits: 0, noRatio: true },
  { label: 'leader changed', value: (c) => (c.leaderChanged === undefined ? undefined : c.leaderChanged ? 1 : 0), digits: 0, noRatio: true },
];

const TITLES: Record<WorkloadName, string> = {
  idle: 'idle cluster (no requests)',
  memory: 'memory: distinct keys of 100 bytes',
  'write-1': 'writes, 1 client (sequential)',
  'write-16': 'writes, 16 in flight',
  'write-64': 'writes, 64 in flight',
  'write-256': 'writes, 256 in flight',
  'read-linearizable-64': 'linearizable reads, 64 in flight',
  'read-serializable-64': 'serializable reads, 64 in flight',
  failover: 'failover: kill -9 the leader under 1 writer',
  'catch-up': 'catch-up of a killed follower',
};

function metricsFor(w: WorkloadName): Metric[] {
  return w === 'failover' ? FAILOVER : w === 'catch-up' ? CATCH_UP : w === 'memory' ? MEMORY : w === 'idle' ? IDLE : STEADY;
}

function fmt(v: number | undefined, digits: number): string {
  if (v === undefined || Number.isNaN(v)) return '-';
  return v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function ratio(a: number | undefined, b: number | undefined, digits: number): string {
  // A denominator that prints as zero gives a ratio that means nothing.
  if (a === undefined || b === undefined || Number.isNaN(a) || Number.isNaN(b) || Math.abs(b) < 0.5 * 10 ** -digits) return '-';
  return `${(a / b).toFixed(2)}x`;
}

/** Rows of [workload, metric, raftkv, (etcd, ratio)]. */
export function tableRows(run: BenchRun): string[][] {
  const withEtcd = run.cells.some((c) => c.system === 'etcd');
  const workloads = [...new Set(run.cells.map((c) => c.workload))];
  const rows: string[][] = [];
  for (const w of workloads) {
    const r = run.cells.find((c) => c.workload === w && c.system === 'raftkv');
    const e = run.cells.find((c) => c.workload === w && c.system === 'etcd');
    let first = true;
    const title = (): string => (first ? ((first = false), TITLES[w]) : '');
    if (r?.error || e?.error) {
      rows.push([title(), 'error', r?.error ? short(r.error) : 'ok', ...(withEtcd ? [e?.error ? short(e.error) : 'ok', ''] : [])]);
    }
    for (const m of metricsFor(w)) {
      const rv = r && !r.error ? m.value(r) : undefined;
      const ev = e && !e.error ? m.value(e) : undefined;
      if (rv === undefined && ev === undefined) continue;
      rows.push([title(), m.label, fmt(rv, m.digits), ...(withEtcd ? [fmt(ev, m.digits), m.noRatio ? '' : ratio(rv, ev, m.digits)] : [])]);
    }
  }
  return rows;
}

function short(text: string): string {
  const line = text.split('\n')[0] ?? '';
  return line.length > 60 ? `${line.slice(0, 57)}...` : line;
}

function header(run: BenchRun): string[] {
  return run.cells.some((c) => c.system === 'etcd') ? ['workload', 'metric', 'raftkv', 'etcd', 'raftkv/etcd'] : ['workload', 'metric', 'raftkv'];
}

export function floorRows(floor: FloorResult): string[][] {
  const row = (name: string, s: FloorResult['fdatasync4k']): string[] => [name, fmt(s.latency.p50Ms, 3), fmt(s.latency.p99Ms, 3), fmt(s.opsPerSec, 0)];
  const rows = [
    row(`fdatasync of a 4 KiB append (${floor.fsDir})`, floor.fdatasync4k),
    row('loopback TCP round trip, 64 bytes', floor.tcpLoopbackRtt),
    row('trivial node:http request, keep-alive', floor.httpTrivial),
  ];
  const three = floor.fdatasync4kThreeWriters;
  if (three) {
    rows.splice(1, 0, row('  the same, three writers at once (one per member)', three));
    rows.push(['one replicated write: 3-writer fdatasync + TCP RTT + HTTP', fmt(replicatedWriteFloorMs(floor) ?? NaN, 3), '', '']);
  }
  return rows;
}

/** The least a single client's write can take here: the members' fdatasyncs run at once on one
 *  disk, the leader and one follower must both finish theirs, plus one round trip and one HTTP
 *  exchange (p50s added). */
export function replicatedWriteFloorMs(floor: FloorResult): number | undefined {
  const three = floor.fdatasync4kThreeWriters;
  return three ? three.latency.p50Ms + floor.tcpLoopbackRtt.latency.p50Ms + floor.httpTrivial.latency.p50Ms : undefined;
}

/** Each store's single-client write p50 as a multiple of the replicated-write floor. */
function floorComparison(run: BenchRun): string | null {
  const floorMs = run.floor ? replicatedWriteFloorMs(run.floor) : undefined;
  if (floorMs === undefined) return null;
  const parts = run.cells
    .filter((c) => c.workload === 'write-1' && c.p50Ms !== undefined)
    .map((c) => `${c.system} ${fmt(c.p50Ms!, 3)} ms = ${(c.p50Ms! / floorMs).toFixed(2)}x`);
  return parts.length ? `Single-client write p50 against the replicated-write floor (${fmt(floorMs, 3)} ms): ${parts.join('; ')}.` : null;
}

export function textTable(head: string[], rows: string[][], textCols = 2): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i < textCols ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ').trimEnd();
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

export function markdownTable(head: string[], rows: string[][], textCols = 2): string {
  const align = head.map((_, i) => (i < textCols ? '---' : '---:'));
  return [head, align, ...rows].map((r) => `| ${r.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`).join('\n');
}

export function renderText(run: BenchRun): string {
  const parts: string[] = [];
  if (run.floor) parts.push('Machine floor\n' + textTable(['measure', 'p50 ms', 'p99 ms', 'ops/s'], floorRows(run.floor), 1));
  parts.push('Workloads\n' + textTable(header(run), tableRows(run)));
  const vsFloor = floorComparison(run);
  if (vsFloor) parts.push(vsFloor);
  const notes = cellNotes(run);
  if (notes.length) parts.push('Notes\n' + notes.map((n) => `- ${n}`).join('\n'));
  if (run.skipped.length) parts.push('Skipped\n' + run.skipped.map((s) => `- ${s}`).join('\n'));
  return parts.join('\n\n');
}

function cellNotes(run: BenchRun): string[] {
  return run.cells.flatMap((c) => [
    ...(c.notes ?? []).map((n) => `${c.system} ${c.workload}: ${n}`),
    ...(c.error ? [`${c.system} ${c.workload} failed: ${c.error.split('\n')[0]}`] : []),
    ...(c.errors && Object.keys(c.errors).length && c.workload !== 'failover' ? [`${c.system} ${c.workload} errors: ${JSON.stringify(c.errors)}`] : []),
  ]);
}

export function renderMarkdown(run: BenchRun): string {
  const m = run.machine;
  const s = run.settings;
  return `# Benchmarks

Measured ${run.date} with \`${run.command}\`.

## Machine

| | |
|---|---|
| CPU | ${m.cpuModel}, ${m.cores} cores |
| memory | ${m.memoryGiB} GiB |
| kernel | ${m.kernel} |
| Node.js | ${m.node} |
| raftkv | ${run.versions.raftkv} |
| etcd | ${run.versions.etcd ?? 'not run'}${run.versions.etcd3Client ? ` (client: etcd3 npm ${run.versions.etcd3Client})` : ''} |
| load average at start | ${m.loadAverage.join(', ')} |

The machine is shared: other work ran on the same cores during the measurement, so treat
differences under ~20% as noise and compare raftkv with etcd only within one run.

## How it is measured

- A fresh three-member cluster of each store on 127.0.0.1, fsync on (raftkv: \`raftkv serve\`
  processes; etcd: \`etcd\` with its defaults), data in temp dirs under \`${String(s['dataRoot'])}\`.
- One load generator in its own Node process, closed loop: N workers each keep one request
  outstanding; keys cycle over ${String(s['keyCount'])}; values are ${String(s['valueBytes'])} bytes; ${Number(s['warmupMs']) / 1000} s warm-up,
  then ${Number(s['measureMs']) / 1000} s measured. raftkv is driven over \`node:http\` with a keep-alive Agent, etcd with the
  \`etcd3\` npm client (gRPC). Clients talk to ${s['endpoints'] === 'leader' ? 'the leader' : 'every member'} (failover: every member, leader first).
- CPU is utime+stime from \`/proc/<pid>/stat\` over the measured window, summed over the three
  member processes ("cluster") and for the load generator (with the bench's own process);
  "% of a core" is CPU time / wall time. "other processes" is the machine's busy time from
  \`/proc/stat\` minus those: work that is not the bench competing for the same cores.
- Failover: one writer with unique keys, all members as endpoints, 1 s request timeout; the leader
  gets SIGKILL; "kill to next ack" is the time from the kill to the acknowledgement of the first
  write sent after the killed process exited (client behaviour included); "kill to new leader" is when the survivors'
  status first shows an agreed leader (50 ms polling); then every acknowledged write is read back
  (linearizable) from the survivors.
- Catch-up: a follower gets SIGKILL, 64 writers write for ${Number(s['catchUpLoadMs']) / 1000} s, the follower restarts; the time is
  from its restart (process start included) until its applied index reaches the leader's commit index.

## Floor of this machine (same run)

${run.floor ? markdownTable(['measure', 'p50 ms', 'p99 ms', 'ops/s'], floorRows(run.floor), 1) : 'not measured'}

A commit makes every member fdatasync at once on this one disk, and the leader needs its own and one
follower's, so the "three writers at once" line, plus a round trip and an HTTP exchange, is the
least one client's write can take here. ${floorComparison(run) ?? ''}

## Results

${markdownTable(header(run), tableRows(run))}
${cellNotes(run).length ? `\nNotes:\n\n${cellNotes(run).map((n) => `- ${n}`).join('\n')}\n` : ''}${run.skipped.length ? `\nSkipped:\n\n${run.skipped.map((n) => `- ${n}`).join('\n')}\n` : ''}
Raw numbers: [bench/results/latest.json](bench/results/latest.json).
`;
}
