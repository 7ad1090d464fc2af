// Per-second cluster throughput and latency, built by the node serving a dashboard from the
// differences between successive reports of every member (its own and its peers').
import { LATENCY_BINS, percentile, type SparseBins } from './dashboard-stats.js';
import type { FsyncCounts } from './dashboard-fsync.js';
import type { MemberReport } from './dashboard-report.js';

export interface StatPoint {
  /** Unix time in whole seconds. */
  readonly t: number;
  readonly reads: number;
  readonly writes: number;
  /** Milliseconds; null when there was nothing to measure. */
  readonly readP50: number | null;
  readonly readP99: number | null;
  readonly writeP50: number | null;
  readonly writeP99: number | null;
  readonly fsyncs: number;
  readonly fsyncP50: number | null;
  readonly fsyncP99: number | null;
}

/** A report further apart than this from the previous one is a new baseline, not a rate. */
const MAX_SAMPLE_GAP_MS = 2_500;
export const HISTORY_SECONDS = 300;

interface Baseline {
  readonly at: number;
  readonly bootId: string;
  readonly reads: Float64Array;
  readonly writes: Float64Array;
  readonly readCount: number;
  readonly writeCount: number;
  readonly fsync: FsyncCounts | null;
}

class Accumulator {
  reads = 0;
  writes = 0;
  readonly readBins = new Float64Array(LATENCY_BINS);
  readonly writeBins = new Float64Array(LATENCY_BINS);
  fsyncs = 0;
  /** Per-bucket (not cumulative) fsync counts by upper bound. */
  readonly fsyncBuckets = new Map<number, number>();
  constructor(readonly t: number) {}

  point(): StatPoint {
    const bounds = [...this.fsyncBuckets.keys()].sort((a, b) => a - b);
    const counts = bounds.map((b) => this.fsyncBuckets.get(b)!);
    // A bucket reports its upper bound ("at most"); the open last bucket its lower one.
    const fsyncMs = (i: number): number => 1000 * (Number.isFinite(bounds[i]!) ? bounds[i]! : (bounds[i - 1] ?? 0));
    const ms = (s: number | null): number | null => (s === null ? null : s * 1000);
    return {
      t: this.t,
      reads: this.reads,
      writes: this.writes,
      readP50: ms(percentile(this.readBins, 0.5)),
      readP99: ms(percentile(this.readBins, 0.99)),
      writeP50: ms(percentile(this.writeBins, 0.5)),
      writeP99: ms(percentile(this.writeBins, 0.99)),
      fsyncs: this.fsyncs,
      fsyncP50: percentile(counts, 0.5, fsyncMs),
      fsyncP99: percentile(counts, 0.99, fsyncMs),
    };
  }
}

function dense(bins: SparseBins): Float64Array {
  const out = new Float64Array(LATENCY_BINS);
  for (const [i, c] of bins) if (i >= 0 && i < LATENCY_BINS) out[i] = c;
  return out;
}

export class ClusterSeries {
  private readonly baselines = new Map<string, Baseline>();
  private current: Accumulator | null = null;
  private readonly points: StatPoint[] = [];

  /** Adds what each member did since its previous report; returns the seconds completed by now. */
  add(reports: ReadonlyMap<string, MemberReport>, nowMs: number): StatPoint[] {
    const second = Math.floor(nowMs / 1000);
    const done: StatPoint[] = [];
    if (this.current && this.current.t < second) {
      done.push(this.current.point());
      // A short stall of the loop leaves empty seconds; a long one (nobody watching) a gap.
      for (let t = this.current.t + 1; t < second && second - t <= 3; t++) done.push(new Accumulator(t).point());
      this.current = null;
    }
    this.current ??= new Accumulator(second);
    for (const [id, report] of reports) this.addMember(id, report, this.current);
    this.points.push(...done);
    if (this.points.length > HISTORY_SECONDS) this.points.splice(0, this.points.length - HISTORY_SECONDS);
    return done;
  }

  history(): StatPoint[] {
    return [...this.points];
  }

  private addMember(id: string, r: MemberReport, acc: Accumulator): void {
    const next: Baseline = {
      at: r.at,
      bootId: r.bootId,
      reads: dense(r.requests.reads.bins),
      writes: dense(r.requests.writes.bins),
      readCount: r.requests.reads.count,
      writeCount: r.requests.writes.count,
      fsync: r.fsync,
    };
    const prev = this.baselines.get(id);
    this.baselines.set(id, next);
    if (!prev || prev.bootId !== next.bootId || next.at - prev.at > MAX_SAMPLE_GAP_MS || next.at <= prev.at) return;
    acc.reads += next.readCount - prev.readCount;
    acc.writes += next.writeCount - prev.writeCount;
    for (let i = 0; i < LATENCY_BINS; i++) {
      acc.readBins[i]! += next.reads[i]! - prev.reads[i]!;
      acc.writeBins[i]! += next.writes[i]! - prev.writes[i]!;
    }
    if (next.fsync && prev.fsync) {
      acc.fsyncs += next.fsync.count - prev.fsync.count;
      const before = new Map(prev.fsync.buckets);
      let cumulativeBefore = 0;
      let cumulativeNow = 0;
      for (const [le, now] of next.fsync.buckets) {
        const then = before.get(le) ?? 0;
        const inBucket = now - cumulativeNow - (then - cumulativeBefore);
        cumulativeNow = now;
        cumulativeBefore = then;
        if (inBucket > 0) acc.fsyncBuckets.set(le, (acc.fsyncBuckets.get(le) ?? 0) + inBucket);
      }
    }
  }
}
