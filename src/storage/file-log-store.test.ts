import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openLogStore } from './file-log-store.js';
import { StorageClosedError, StorageIOError } from './errors.js';
import { FaultFs } from './fault-fs.js';
import type { OpenedStore } from './log-store.js';
import type { StorageOptions } from './options.js';
import { describe, entries, entry, hardState, snapshot, update } from './test-support.js';
import { replaySegments } from './wal-replay.js';

const dirs: string[] = [];
after(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});
async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'raftkv-store-'));
  dirs.push(d);
  return d;
}

// These round trips check formats and replay rules, not durability: fsync is off to stay fast.
const fast: StorageOptions = { fsync: false, segmentBytes: 512 };

async function reopen(opened: OpenedStore, dir: string, options = fast): Promise<OpenedStore> {
  await opened.store.close();
  return openLogStore(dir, options);
}

test('a fresh directory restores as empty', async () => {
  const dir = await tempDir();
  const { store, restored } = await openLogStore(dir, fast);
  assert.equal(describe(restored), describe({ hardState: hardState(0, '', 0), snapshot: null, entries: [] }));
  await store.close();
});

test('batches, a conflicting suffix and hard states survive a reopen, across many segments', async () => {
  const dir = await tempDir();
  let o = await openLogStore(dir, fast);
  await o.store.save(update({ entries: entries(1, 10, 1), hardState: hardState(1, 'n1', 3) }));
  await o.store.save(update({ entries: entries(11, 20, 1) }));
  await o.store.save(update({ entries: entries(15, 18, 2), hardState: hardState(2, 'n2', 14) })); // overwrites 15..20
  await o.store.save(update({ hardState: hardState(3, '', 14) }));
  o = await reopen(o, dir);
  assert.equal(describe(o.restored), describe({ hardState: hardState(3, '', 14), snapshot: null, entries: [...entries(1, 14, 1), ...entries(15, 18, 2)] }));
  // Appends after a reopen continue the log, and an overwrite reaching into an older segment works.
  await o.store.save(update({ entries: entries(5, 6, 3), hardState: hardState(3, 'n3', 4) }));
  o = await reopen(o, dir);
  assert.equal(describe(o.restored), describe({ hardState: hardState(3, 'n3', 4), snapshot: null, entries: [...entries(1, 4, 1), ...entries(5, 6, 3)] }));
  assert.ok((await readdir(join(dir, 'wal'))).length >= 2, 'tiny segments should have rolled');
  await o.store.close();
});

test('saveSnapshot compacts: old segments and snapshots are deleted, state is unchanged', async () => {
  const dir = await tempDir();
  let o = await openLogStore(dir, fast);
  for (let i = 0; i < 10; i++) await o.store.save(update({ entries: entries(i * 10 + 1, i * 10 + 10, 1), hardState: hardState(1, 'n1', i * 10 + 10) }));
  const before = (await readdir(join(dir, 'wal'))).length;
  await o.store.saveSnapshot(snapshot(40, 1));
  await o.store.saveSnapshot(snapshot(75, 1));
  await o.store.saveSnapshot(snapshot(60, 1)); // older than the latest: ignored
  assert.equal(o.store.latestSnapshot()?.meta.index, 75);
  const after = (await readdir(join(dir, 'wal'))).length;
  assert.ok(after < before, `segments ${before} -> ${after}`);
  assert.deepEqual(await readdir(join(dir, 'snap')), ['0000000000000075-0000000000000001.snap']);
  o = await reopen(o, dir);
  assert.equal(describe(o.restored), describe({ hardState: hardState(1, 'n1', 100), snapshot: snapshot(75, 1), entries: entries(76, 100, 1) }));
  assert.equal(o.store.latestSnapshot()?.meta.index, 75);
  await o.store.close();
});

test('a snapshot from the leader replaces the whole log, including a longer conflicting suffix', async () => {
  const dir = await tempDir();
  let o = await openLogStore(dir, fast);
  await o.store.save(update({ entries: entries(1, 30, 1), hardState: hardState(1, 'n1', 5) }));
  await o.store.save(update({ snapshot: snapshot(20, 2), entries: entries(21, 22, 2), hardState: hardState(2, 'n2', 20) }));
  await o.store.save(update({ entries: entries(23, 24, 2) }));
  o = await reopen(o, dir);
  assert.equal(describe(o.restored), describe({ hardState: hardState(2, 'n2', 20), snapshot: snapshot(20, 2), entries: entries(21, 24, 2) }));
  await o.store.close();
});

test('a snapshot past the durable log restores empty and the next append stays contiguous', async () => {
  const dir = await tempDir();
  let o = await openLogStore(dir, fast);
  await o.store.save(update({ entries: entries(1, 5, 1), hardState: hardState(1, 'n1', 5) }));
  await o.store.saveSnapshot(snapshot(8, 1)); // applied beyond the local log (entries 6..8 never made durable here)
  o = await reopen(o, dir);
  assert.equal(describe(o.restored), describe({ hardState: hardState(1, 'n1', 8), snapshot: snapshot(8, 1), entries: [] }));
  await o.store.save(update({ entries: entries(9, 10, 1) }));
  o = await reopen(o, dir);
  assert.equal(describe(o.restored), describe({ hardState: hardState(1, 'n1', 8), snapshot: snapshot(8, 1), entries: entries(9, 10, 1) }));
  await o.store.close();
});

test('saveSnapshot may overlap a save', async () => {
  const dir = await tempDir();
  let o = await openLogStore(dir, fast);
  await o.store.save(update({ entries: entries(1, 40, 1), hardState: hardState(1, 'n1', 40) }));
  await Promise.all([o.store.saveSnapshot(snapshot(30, 1)), o.store.save(update({ entries: entries(41, 60, 1) })), o.store.saveSnapshot(snapshot(35, 1))]);
  o = await reopen(o, dir);
  assert.equal(describe(o.restored), describe({ hardState: hardState(1, 'n1', 40), snapshot: snapshot(35, 1), entries: entries(36, 60, 1) }));
  await o.store.close();
});

test('an empty update writes nothing; non-contiguous entries are a caller bug', async () => {
  const fs = new FaultFs();
  const o = await openLogStore('/d', { fs });
  const calls = fs.calls;
  await o.store.save(update({}));
  assert.equal(fs.calls, calls);
  await assert.rejects(o.store.save(update({ entries: [entry(1, 1), entry(3, 1)] })), /not contiguous/);
  await assert.rejects(o.store.save(update({ entries: [entry(5, 1)] })), /start at 5/);
  await o.store.close();
});

test('one save is one append and one datasync (plus a directory fsync when a segment rolls)', async () => {
  const fs = new FaultFs();
  const o = await openLogStore('/d', { fs, segmentBytes: 4096, preallocateBytes: 0 });
  let before = fs.calls;
  await o.store.save(update({ entries: entries(1, 150, 1), hardState: hardState(1, 'n1', 0) }));
  assert.equal(fs.calls - before, 2, 'append + datasync');
  before = fs.calls;
  await o.store.save(update({ entries: entries(151, 151, 1) })); // the segment is full: roll
  assert.equal(fs.calls - before, 5, 'open new + close old + append + datasync + fsyncDir');
  await o.store.close();
});

test('a segment is zero-filled ahead of its data, so that commits overwrite allocated blocks instead of growing the file', async () => {
  const dir = await tempDir();
  const o = await openLogStore(dir, { segmentBytes: 1 << 20, preallocateBytes: 64 * 1024 });
  const wal = join(dir, 'wal', '0000000000000000.wal');
  const size = (await stat(wal)).size;
  assert.equal(size, 64 * 1024, 'the first chunk is filled when the segment is created');
  for (let i = 1; i <= 20; i++) await o.store.save(update({ entries: [entry(i, 1)], hardState: hardState(1, 'n1', i - 1) }));
  assert.equal((await stat(wal)).size, size, 'twenty commits later the file has not grown');
  // The zeros after the data are free space, not a torn tail: nothing is lost or cut on reopen.
  const again = await reopen(o, dir, { segmentBytes: 1 << 20, preallocateBytes: 64 * 1024 });
  assert.deepEqual(again.restored.entries.map((e) => e.index), entries(1, 20, 1).map((e) => e.index));
  assert.equal((await stat(wal)).size, size);
  await again.store.save(update({ entries: [entry(21, 1)] }));
  const third = await reopen(again, dir, { segmentBytes: 1 << 20, preallocateBytes: 64 * 1024 });
  assert.equal(third.restored.entries.at(-1)!.index, 21);
  await third.store.close();
});

test('zero-fill keeps running ahead as the log grows, and stops at the segment size', async () => {
  const fs = new FaultFs();
  const o = await openLogStore('/d', { fs, segmentBytes: 8192, preallocateBytes: 1024 });
  const wal = '/d/wal/0000000000000000.wal';
  const dataEnd = (): number => replaySegments([{ seq: 0, path: wal, buf: fs.peek(wal)! }]).segments[0]!.bytes;
  for (let i = 1; i <= 60; i++) await o.store.save(update({ entries: [entry(i, 1)] }));
  await o.store.close();
  const file = fs.peek(wal)!;
  assert.ok(file.length > 1024 && file.length <= 8192, `segment file is ${file.length} bytes`);
  assert.ok(file.length > dataEnd() + 512, `zeros run ahead of the ${dataEnd()} bytes of data (file: ${file.length} bytes)`);
  const reopened = await openLogStore('/d', { fs, segmentBytes: 8192, preallocateBytes: 1024 });
  assert.equal(reopened.restored.entries.length, 60);
  // Up to within 400 bytes of the segment size: an unbounded fill would now reach 9216 bytes.
  let last = 60;
  while (dataEnd() < 8192 - 400) await reopened.store.save(update({ entries: [entry(++last, 1)] }));
  await reopened.store.close();
  assert.equal(fs.peek(wal)!.length, 8192, 'the fill stops at the segment size');
});

test('a log written without zero-fill (an older raftkv) opens, keeps every entry, and is zero-filled from then on', async () => {
  const dir = await tempDir();
  const old = await openLogStore(dir, { segmentBytes: 1 << 20, preallocateBytes: 0 });
  for (let i = 1; i <= 10; i++) await old.store.save(update({ entries: [entry(i, 1)], hardState: hardState(1, 'n1', i - 1) }));
  await old.store.close();
  const wal = join(dir, 'wal', '0000000000000000.wal');
  const before = (await stat(wal)).size;
  const o = await openLogStore(dir, { segmentBytes: 1 << 20, preallocateBytes: 64 * 1024 });
  assert.deepEqual(o.restored.entries.map((e) => e.index), entries(1, 10, 1).map((e) => e.index));
  await o.store.save(update({ entries: [entry(11, 1)] }));
  assert.ok((await stat(wal)).size >= before + 32 * 1024, 'zero-filled ahead of the old data');
  const again = await reopen(o, dir, { segmentBytes: 1 << 20, preallocateBytes: 64 * 1024 });
  assert.deepEqual(again.restored.entries.map((e) => e.index), entries(1, 11, 1).map((e) => e.index));
  await again.store.close();
});

test('a failed zero-fill poisons the store like any other write', async () => {
  const fs = new FaultFs();
  const o = await openLogStore('/d', { fs, segmentBytes: 8192, preallocateBytes: 1024 });
  fs.failMatching(/^zero-fill/, 'ENOSPC');
  let failed: unknown = null;
  for (let i = 1; i <= 200 && failed === null; i++) {
    failed = await o.store.save(update({ entries: [entry(i, 1)] })).then(() => null, (e: unknown) => e);
  }
  assert.ok(failed instanceof StorageIOError, String(failed));
  assert.match(String((failed.cause as Error).message), /zero-fill/);
  await assert.rejects(o.store.save(update({ hardState: hardState(1, '', 0) })), StorageIOError);
  await o.store.close();
});

test('an I/O error rejects with StorageIOError and the store refuses later writes', async () => {
  for (const code of ['EIO', 'ENOSPC']) {
    for (const failing of [1, 2]) { // the append, then the datasync
      const fs = new FaultFs();
      const o = await openLogStore('/d', { fs });
      fs.failIn(failing, code);
      const err = await o.store.save(update({ entries: entries(1, 3, 1) })).catch((e: unknown) => e);
      assert.ok(err instanceof StorageIOError, String(err));
      assert.equal((err.cause as NodeJS.ErrnoException).code, code);
      await assert.rejects(o.store.save(update({ hardState: hardState(1, '', 0) })), StorageIOError);
      await assert.rejects(o.store.saveSnapshot(snapshot(1, 1)), StorageIOError);
      await o.store.close();
      await assert.rejects(o.store.save(update({ hardState: hardState(1, '', 0) })), StorageClosedError);
    }
  }
});

test('a failing snapshot write poisons the store too', async () => {
  const fs = new FaultFs();
  const o = await openLogStore('/d', { fs });
  await o.store.save(update({ entries: entries(1, 3, 1), hardState: hardState(1, 'n1', 3) }));
  fs.failIn(3, 'ENOSPC'); // open tmp, append header, append data <- fails
  await assert.rejects(o.store.saveSnapshot(snapshot(3, 1)), StorageIOError);
  assert.equal(o.store.latestSnapshot(), null);
  await assert.rejects(o.store.save(update({ entries: entries(4, 4, 1) })), StorageIOError);
  await o.store.close();
});
