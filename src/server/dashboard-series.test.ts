import { test } from 'node:test';
import assert from 'node:assert/strict';
import { binSeconds, latencyBin, LatencyCounter, percentile } from './dashboard-stats.js';
import { ClusterSeries } from './dashboard-series.js';
import type { MemberReport } from './dashboard-report.js';
import type { NodeStatus } from '../node/types.js';

test('a latency falls in a bin whose middle is within 10% of it', () => {
  for (const s of [20e-6, 0.00031, 0.0042, 0.05, 1.7, 30]) {
    const mid = binSeconds(latencyBin(s));
    assert.ok(Math.abs(mid - s) / s < 0.1, `${s} -> ${mid}`);
  }
  assert.equal(latencyBin(0), 0);
  assert.equal(latencyBin(Number.NaN), 0);
  assert.equal(latencyBin(1e9), 95);
});

test('percentiles of a histogram', () => {
  const c = new LatencyCounter();
  for (let i = 0; i < 98; i++) c.observe(0.001);
  c.observe(0.1);
  c.observe(0.1);
  const p50 = percentile(c.bins, 0.5)!;
  const p99 = percentile(c.bins, 0.99)!;
  assert.ok(Math.abs(p50 - 0.001) < 0.0001, String(p50));
  assert.ok(Math.abs(p99 - 0.1) < 0.01, String(p99));
  assert.equal(percentile(new Float64Array(4), 0.5), null);
});

const status = { nodeId: 'n1' } as unknown as NodeStatus;
function report(at: number, reads: number, writes: number, fsyncs: number, bootId = 'boot1'): MemberReport {
  return {
    at,
    bootId,
    status,
    requests: { reads: { count: reads, bins: [[latencyBin(0.002), reads]] }, writes: { count: writes, bins: [[latencyBin(0.01), writes]] } },
    fsync: { count: fsyncs, sumSeconds: 0, buckets: [[0.001, fsyncs], [0.01, fsyncs], [Infinity, fsyncs]] },
  };
}

test('per-second points come from the differences between reports, summed over members', () => {
  const series = new ClusterSeries();
  const t0 = 1_000_000_000;
  assert.deepEqual(series.add(new Map([['a', report(t0, 10, 5, 3)], ['b', report(t0, 100, 0, 0)]]), t0 + 100), []);
  assert.deepEqual(series.add(new Map([['a', report(t0 + 400, 30, 9, 7)], ['b', report(t0 + 400, 110, 0, 0)]]), t0 + 500), []);
  const [point, ...rest] = series.add(new Map([['a', report(t0 + 1100, 31, 9, 7)]]), t0 + 1200);
  assert.equal(rest.length, 0);
  assert.equal(point!.t, t0 / 1000);
  assert.equal(point!.reads, 20 + 10);
  assert.equal(point!.writes, 4);
  assert.ok(Math.abs(point!.readP50! - 2) < 0.2);
  assert.ok(Math.abs(point!.writeP99! - 10) < 1);
  assert.equal(point!.fsyncs, 4);
  assert.equal(point!.fsyncP99, 1, 'an fsync reports its bucket bound in ms');
  assert.equal(series.history().length, 1);
});

test('a restarted member or a long silence starts a new baseline instead of a spike', () => {
  const series = new ClusterSeries();
  const t0 = 2_000_000_000;
  series.add(new Map([['a', report(t0, 1000, 1000, 1000)]]), t0);
  series.add(new Map([['a', report(t0 + 300, 5, 5, 5, 'boot2')]]), t0 + 300);
  series.add(new Map([['a', report(t0 + 9_000, 500, 500, 500, 'boot2')]]), t0 + 9_000);
  const points = series.add(new Map(), t0 + 10_000);
  assert.ok(points.length >= 1);
  for (const p of series.history()) {
    assert.equal(p.reads, 0);
    assert.equal(p.writes, 0);
  }
});
