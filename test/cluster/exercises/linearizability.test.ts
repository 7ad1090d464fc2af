// Linearizability under faults: concurrent put/get/cas/delete clients against five nodes in
// network namespaces while the seeded nemesis partitions, kills and restarts, and pauses
// nodes; then heal, read every key and check the history. SEED=n replays a fault schedule;
// LIN_SECONDS=n changes the length (default 25 s).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { seedFromEnv } from '../../../src/verify/prng.js';
import { runLinearizabilityUnderFaults } from './fault-run.js';

test('histories under partitions, kill -9, and SIGSTOP are linearizable', { timeout: 180_000 }, async (t) => {
  const seed = seedFromEnv();
  const seconds = Number(process.env['LIN_SECONDS'] ?? 25);
  console.log(`linearizability under faults: seed ${seed} (replay with SEED=${seed})`);
  const cleanups: Array<() => Promise<void>> = [];
  t.after(async () => {
    for (const c of cleanups) await c();
  });
  const run = await runLinearizabilityUnderFaults({ seconds, seed, log: (l) => console.log(l), onCleanup: (c) => cleanups.push(c) });
  const s = run.stats;
  console.log(`workload: ${s.ok} ok, ${s.casFailed} cas failed, ${s.notApplied} not applied, ${s.unknown} unknown; by kind ${JSON.stringify(s.byKind)}; ${s.finalReads} final reads`);
  console.log(`faults (${run.isolation}): ${run.faults.length} events`);
  console.log(run.report.summary);
  const result = run.report.result;
  if (result.ok === false) assert.fail(`seed ${seed}: ${run.report.summary}`);
  if (result.ok === 'unknown') t.diagnostic(`checker inconclusive for seed ${seed}`);
  else assert.ok(result.checked > 100, `too few operations checked (${result.checked}): the cluster was unavailable most of the run`);
});
