// This node's fsync histogram as the node records it (raftkv_fsync_seconds in prom-client's
// default registry, labelled by node), read only when a dashboard asks.
import client from 'prom-client';

/** Cumulative counts per upper bound, as Prometheus keeps them: [le, count of fsyncs <= le]. */
export interface FsyncCounts {
  readonly count: number;
  readonly sumSeconds: number;
  readonly buckets: Array<[number, number]>;
}

export async function readFsyncCounts(nodeId: string): Promise<FsyncCounts | null> {
  const metric = client.register.getSingleMetric('raftkv_fsync_seconds');
  if (!metric) return null;
  const { values } = await metric.get();
  let count = 0;
  let sumSeconds = 0;
  const buckets: Array<[number, number]> = [];
  for (const v of values) {
    if (v.labels['node'] !== nodeId) continue;
    const name = (v as { metricName?: string }).metricName ?? '';
    if (name.endsWith('_count')) count = v.value;
    else if (name.endsWith('_sum')) sumSeconds = v.value;
    else if (name.endsWith('_bucket')) {
      const le = v.labels['le'];
      buckets.push([le === '+Inf' || le === undefined ? Infinity : Number(le), v.value]);
    }
  }
  buckets.sort((a, b) => a[0] - b[0]);
  return { count, sumSeconds, buckets };
}
