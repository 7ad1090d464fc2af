// Crash at every file-system call of a workload (and at random byte offsets inside writes),
// recover, and check: recovery succeeds, yields a state reachable by applying the
// acknowledged operations plus a prefix of the one in flight, and the log keeps working.
// Seeded; replay one seed with STORAGE_CRASH_SEED=<n>.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RestoredState, Snapshot } from '../raft/types.js';
import { openLogStore } from './file-log-store.js';
import { FaultFs } from './fault-fs.js';
import type { LogUpdate, OpenedStore } from './log-store.js';
import { MemoryLogStore } from './memory-log-store.js';
import { applyPrefix, describe, entries, entry, hardState, prng, recordCount, snapshot, update } from './test-support.js';

type Op = { kind: 'save'; u: LogUpdate } | { kind: 'snapshot'; s: Snapshot } | { kind: 'reopen' };

const DIR = '/data';
const SEGMENT_BYTES = 160;

/** A valid Raft-shaped sequence of storage operations. */
function makeWorkload(seed: number, count: number): Op[] {
  const rnd = prng(seed);
  const ops: Op[] = [];
  let term = 1;
  let last = 0;
  let commit = 0;
  let snapIndex = 0;
  const termAt = new Map<number, number>();
  const append = (from: number, to: number): ReturnType<typeof entries> => {
    for (let i = from; i <= to; i++) termAt.set(i, term);
    last = to;
    return entries(from, to, term);
  };
  for (let n = 0; n < count; n++) {
    const r = rnd(100);
    if (r < 45) {
      const es = append(last + 1, last + 1 + rnd(4));
      const advance = rnd(2) === 0;
      if (advance) commit = commit + rnd(last - commit + 1);
      ops.push({ kind: 'save', u: update({ entries: es, hardState: advance ? hardState(term, 'n1', commit) : null }) });
    } else if (r < 57) {
      term++;
      const from = Math.max(commit + 1, snapIndex + 1, last - rnd(4));
      ops.push({ kind: 'save', u: update({ entries: append(from, from + rnd(3)), hardState: hardState(term, 'n2', commit) }) });
    } else if (r < 65) {
      term++;
      ops.push({ kind: 'save', u: update({ hardState: hardState(term, rnd(2) ? 'n3' : '', commit) }) });
    } else if (r < 80) {
      if (commit > snapIndex) {
        snapIndex = snapIndex + 1 + rnd(commit - snapIndex);
        ops.push({ kind: 'snapshot', s: snapshot(snapIndex, termAt.get(snapIndex)!) });
      }
    } else if (r < 92) {
      term++;
      snapIndex = last + 1 + rnd(3);
      commit = snapIndex;
      termAt.set(snapIndex, term);
      last = snapIndex;
      const es = rnd(2) ? append(snapIndex + 1, snapIndex + 1 + rnd(3)) : [];
      ops.push({ kind: 'save', u: update({ snapshot: snapshot(snapIndex, term, `leader@${snapIndex}`), entries: es, hardState: hardState(term, 'n3', commit) }) });
    } else {
      ops.push({ kind: 'reopen' });
    }
  }
  return ops;
}

interface RunResult {
  readonly acked: RestoredState;
  readonly inflight: Op | null;
  readonly crashed: boolean;
}

async function runWorkload(fs: FaultFs, ops: readonly Op[]): Promise<RunResult> {
  const oracle = new MemoryLogStore();
  let inflight: Op | null = { kind: 'reopen' };
  let opened: OpenedStore | null = null;
  try {
    opened = await openLogStore(DIR, { fs, segmentBytes: SEGMENT_BYTES });
    for (const op of ops) {
      inflight = op;
      if (op.kind === 'save') {
        await opened.store.save(op.u);
        await oracle.save(op.u);
      } else if (op.kind === 'snapshot') {
        await opened.store.saveSnapshot(op.s);
        await oracle.saveSnapshot(op.s);
      } else {
        await opened.store.close();
        opened = null;
        opened = await openLogStore(DIR, { fs, segmentBytes: SEGMENT_BYTES });
        assert.equal(describe(opened.restored), describe(oracle.durableState()), 'clean reopen');
      }
      inflight = null;
    }
    await opened.store.close();
    return { acked: oracle.durableState(), inflight: null, crashed: false };
  } catch (err) {
    if (!fs.crashed) throw err;
    return { acked: oracle.durableState(), inflight, crashed: true };
  }
}

async function candidates(acked: RestoredState, inflight: Op | null): Promise<Set<string>> {
  const out = new Set([describe(acked)]);
  if (inflight?.kind === 'save') {
    for (let j = 1; j <= recordCount(inflight.u); j++) out.add(describe(applyPrefix(acked, inflight.u, j)));
  } else if (inflight?.kind === 'snapshot') {
    const m = new MemoryLogStore(acked);
    await m.saveSnapshot(inflight.s);
    out.add(describe(m.durableState()));
  }
  return out;
}

async function checkCrashPoint(ops: readonly Op[], seed: number, k: number): Promise<void> {
  const random = prng(seed * 7919 + k);
  const fs = new FaultFs({ crashAtCall: k, random });
  const run = await runWorkload(fs, ops);
  assert.ok(run.crashed, `call ${k} should have crashed`);
  const after = fs.crash(true);
  const where = `seed ${seed}, crash at call ${k}`;
  let opened: OpenedStore;
  try {
    opened = await openLogStore(DIR, { fs: after, segmentBytes: SEGMENT_BYTES });
  } catch (err) {
    assert.fail(`${where}: recovery failed: ${String(err)}`);
  }
  const got = describe(opened.restored);
  const allowed = await candidates(run.acked, run.inflight);
  assert.ok(allowed.has(got), `${where}: recovered ${got}\nallowed:\n${[...allowed].join('\n')}`);

  // The recovered log must keep working: append one entry, reopen, find everything.
  const r = opened.restored;
  const next = (r.entries.at(-1)?.index ?? r.snapshot?.meta.index ?? 0) + 1;
  const u = update({ entries: [entry(next, r.hardState.term + 1, 'after-crash')] });
  await opened.store.save(u);
  await opened.store.close();
  const again = await openLogStore(DIR, { fs: after, segmentBytes: SEGMENT_BYTES });
  assert.equal(describe(again.restored), describe(applyPrefix(r, u, 1)), `${where}: append after recovery`);
  await again.store.close();
}

const MAX_POINTS_PER_SEED = 250;

async function crashEverywhere(seed: number, opCount: number): Promise<number> {
  const ops = makeWorkload(seed, opCount);
  const clean = new FaultFs();
  const full = await runWorkload(clean, ops);
  assert.equal(full.crashed, false);
  const total = clean.calls;
  const step = Math.max(1, Math.ceil(total / MAX_POINTS_PER_SEED));
  let checked = 0;
  for (let k = 1; k <= total; k += step) {
    await checkCrashPoint(ops, seed, k);
    checked++;
  }
  return checked;
}

const envSeed = process.env['STORAGE_CRASH_SEED'];
const seeds = envSeed ? [Number(envSeed)] : [1, 2, Date.now() % 1_000_000];

for (const seed of seeds) {
  test(`crash at every fs call recovers a prefix-consistent state (seed ${seed})`, async (t) => {
    t.diagnostic(`seed ${seed} (replay: STORAGE_CRASH_SEED=${seed})`);
    console.log(`# storage crash-point seed ${seed}`);
    const points = await crashEverywhere(seed, 40);
    t.diagnostic(`${points} crash points`);
  });
}
