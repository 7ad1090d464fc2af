import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crc32, crc32Range, tableCrc32 } from './crc32.js';
import { StorageIOError } from './errors.js';
import { MemoryLogStore } from './memory-log-store.js';
import { describe, entries, hardState, prng, snapshot, update } from './test-support.js';

test('durable after save; an in-flight save is lost on crash, or torn to a prefix', async () => {
  const s = new MemoryLogStore();
  await s.save(update({ entries: entries(1, 5, 1), hardState: hardState(1, 'n1', 2) }));
  await s.save(update({ entries: entries(4, 6, 2) }));
  assert.equal(describe(s.durableState()), describe({ hardState: hardState(1, 'n1', 2), snapshot: null, entries: [...entries(1, 3, 1), ...entries(4, 6, 2)] }));

  let release!: () => void;
  const gated = new MemoryLogStore(s.durableState(), { syncDelay: () => new Promise<void>((r) => (release = r)) });
  const inflight = gated.save(update({ entries: entries(7, 9, 2), hardState: hardState(2, 'n2', 6) }));
  const torn = gated.crash({ tearLastWrite: true, random: () => 2 });
  assert.deepEqual(torn.entries.map((e) => e.index), [1, 2, 3, 4, 5, 6, 7, 8]);
  assert.equal(torn.hardState.term, 1);
  release();
  await assert.rejects(inflight, StorageIOError);
});

test('snapshots: saveSnapshot compacts, a leader snapshot replaces the log', async () => {
  const s = new MemoryLogStore();
  await s.save(update({ entries: entries(1, 10, 1), hardState: hardState(1, 'n1', 10) }));
  await s.saveSnapshot(snapshot(6, 1));
  assert.deepEqual(s.durableState().entries.map((e) => e.index), [7, 8, 9, 10]);
  await s.save(update({ snapshot: snapshot(20, 2), entries: entries(21, 21, 2), hardState: hardState(2, 'n2', 20) }));
  assert.equal(describe(s.crash()), describe({ hardState: hardState(2, 'n2', 20), snapshot: snapshot(20, 2), entries: entries(21, 21, 2) }));
});

test('failWrites makes every later write reject', async () => {
  const s = new MemoryLogStore();
  s.failWrites();
  await assert.rejects(s.save(update({ hardState: hardState(1, '', 0) })), StorageIOError);
});

test('the table CRC-32 matches the native one', () => {
  const rnd = prng(42);
  for (let n = 0; n < 50; n++) {
    const buf = Buffer.alloc(rnd(300));
    for (let i = 0; i < buf.length; i++) buf[i] = rnd(256);
    assert.equal(tableCrc32(buf), crc32(buf));
    assert.equal(tableCrc32(buf.subarray(7), tableCrc32(buf.subarray(0, 7))), crc32(buf));
    const from = rnd(buf.length + 1);
    const to = from + rnd(buf.length - from + 1);
    assert.equal(crc32Range(buf, from, to), crc32(buf.subarray(from, to)));
  }
  assert.equal(crc32(Buffer.from('123456789')), 0xcbf43926);
});
