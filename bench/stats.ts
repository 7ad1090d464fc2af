// Latency samples for one measured phase: every sample kept (a 10 s phase at 20k ops/s is 200k
// doubles), percentiles by sorting once at the end.

export interface LatencySummary {
  readonly count: number;
  readonly meanMs: number;
  readonly p50Ms: number;
  readonly p90Ms: number;
  readonly p99Ms: number;
  readonly p999Ms: number;
  readonly maxMs: number;
}

export class LatencyRecorder {
  private samples = new Float64Array(1 << 14);
  private length = 0;

  record(ms: number): void {
    if (this.length === this.samples.length) {
      const grown = new Float64Array(this.samples.length * 2);
      grown.set(this.samples);
      this.samples = grown;
    }
    this.samples[this.length++] = ms;
  }

  get count(): number {
    return this.length;
  }

  summary(): LatencySummary {
    const sorted = this.samples.slice(0, this.length).sort();
    return summarizeSorted(sorted);
  }
}

export function summarize(values: readonly number[]): LatencySummary {
  return summarizeSorted(Float64Array.from(values).sort());
}

function summarizeSorted(sorted: Float64Array): LatencySummary {
  const n = sorted.length;
  if (n === 0) return { count: 0, meanMs: NaN, p50Ms: NaN, p90Ms: NaN, p99Ms: NaN, p999Ms: NaN, maxMs: NaN };
  let sum = 0;
  for (const v of sorted) sum += v;
  const at = (q: number): number => sorted[Math.min(n - 1, Math.max(0, Math.ceil(q * n) - 1))] ?? NaN;
  return { count: n, meanMs: sum / n, p50Ms: at(0.5), p90Ms: at(0.9), p99Ms: at(0.99), p999Ms: at(0.999), maxMs: sorted[n - 1] ?? NaN };
}

/** Wall-clock milliseconds with sub-millisecond resolution, comparable across processes on one machine. */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}
