// Cumulative request counts and latency histograms for the dashboard, fed once per answered
// request. Only counters are kept here (no clock, no rotation): whoever watches samples them
// and takes differences, so an unwatched node pays one increment per request and nothing else.
import type { IncomingMessage } from 'node:http';
import { FORWARDED_BY_HEADER } from './forward.js';

/** Bin i holds durations in [BASE * 2^(i/4), BASE * 2^((i+1)/4)): about 19% wide, 10 µs to ~3 min. */
const BASE_SECONDS = 10e-6;
const BINS_PER_DOUBLING = 4;
export const LATENCY_BINS = 96;

export function latencyBin(seconds: number): number {
  if (!(seconds > BASE_SECONDS)) return 0;
  const i = Math.floor(Math.log2(seconds / BASE_SECONDS) * BINS_PER_DOUBLING);
  return i < LATENCY_BINS ? i : LATENCY_BINS - 1;
}

/** The geometric middle of a bin: what a percentile falling in it reports. */
export function binSeconds(bin: number): number {
  return BASE_SECONDS * 2 ** ((bin + 0.5) / BINS_PER_DOUBLING);
}

/** Bin counts as [bin, count] pairs, zero bins left out: what crosses the wire. */
export type SparseBins = Array<[number, number]>;

export class LatencyCounter {
  count = 0;
  readonly bins = new Float64Array(LATENCY_BINS);

  observe(seconds: number): void {
    this.count++;
    this.bins[latencyBin(seconds)]!++;
  }

  sparse(): SparseBins {
    const out: SparseBins = [];
    for (let i = 0; i < LATENCY_BINS; i++) if (this.bins[i]! > 0) out.push([i, this.bins[i]!]);
    return out;
  }
}

/** A percentile (0..1) of a histogram given as dense bin counts; null when empty. */
export function percentile(bins: ArrayLike<number>, q: number, valueOf: (bin: number) => number = binSeconds): number | null {
  let total = 0;
  for (let i = 0; i < bins.length; i++) total += bins[i]!;
  if (total === 0) return null;
  const rank = Math.max(1, Math.ceil(q * total));
  let seen = 0;
  for (let i = 0; i < bins.length; i++) {
    seen += bins[i]!;
    if (seen >= rank) return valueOf(i);
  }
  return valueOf(bins.length - 1);
}

export interface RequestCounts {
  readonly reads: { count: number; bins: SparseBins };
  readonly writes: { count: number; bins: SparseBins };
}

/** Client reads and writes answered by this node, counted once each: the hop a follower forwards
 *  to the leader is left out here, since the follower counts the request its client made. */
export class RequestStats {
  private readonly reads = new LatencyCounter();
  private readonly writes = new LatencyCounter();

  /** Called from the server's response 'finish' hook. */
  observe(req: IncomingMessage, route: string, startedNs: bigint): void {
    if (route !== 'kv_key' && route !== 'kv') return;
    if (req.headers[FORWARDED_BY_HEADER] !== undefined) return;
    const seconds = Number(process.hrtime.bigint() - startedNs) / 1e9;
    const method = req.method;
    (method === 'GET' || method === 'HEAD' ? this.reads : this.writes).observe(seconds);
  }

  snapshot(): RequestCounts {
    return {
      reads: { count: this.reads.count, bins: this.reads.sparse() },
      writes: { count: this.writes.count, bins: this.writes.sparse() },
    };
  }
}
