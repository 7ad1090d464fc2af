// Bit flips are detected, never silently dropped — except in the final record of the last
// segment, which is indistinguishable from a torn (unsynced) last write and is cut off.
// Rule under test: a bad record is a torn tail iff it is in the last segment and no valid
// record follows it; anything else is a StorageCorruptionError naming the file and offset.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { StorageCorruptionError } from './errors.js';
import { FaultFs } from './fault-fs.js';
import { openLogStore } from './file-log-store.js';
import { SnapshotOrigin, snapshotFileName, writeSnapshotFile } from './snapshot-file.js';
import { describe, entries, hardState, snapshot, update } from './test-support.js';
import { checkRecordAt, encodeBatch } from './wal-record.js';

const DIR = '/data';
const WAL = join(DIR, 'wal');
const SNAP = join(DIR, 'snap');
const seg = (seq: number): string => join(WAL, `${String(seq).padStart(16, '0')}.wal`);

/** Three segments, one batch each; the last holds entries 21..33 (final record: entry 33). */
async function build(): Promise<FaultFs> {
  const fs = new FaultFs();
  const { store } = await openLogStore(DIR, { fs, segmentBytes: 300 });
  for (let b = 0; b < 2; b++) {
    await store.save(update({ entries: entries(b * 10 + 1, b * 10 + 10, 1), hardState: hardState(1, 'n1', b * 10) }));
  }
  await store.save(update({ entries: entries(21, 33, 1) }));
  await store.close();
  assert.deepEqual(fs.paths().filter((p) => p.startsWith(WAL)), [seg(0), seg(1), seg(2)]);
  return fs;
}

function recordOffsets(buf: Buffer): number[] {
  const out: number[] = [];
  for (let at = 0; at < buf.length; ) {
    const r = checkRecordAt(buf, at);
    assert.ok(r.ok);
    out.push(at);
    at = r.end;
  }
  return out;
}

function flip(fs: FaultFs, path: string, byte: number, bit = 0): void {
  const buf = Buffer.from(fs.peek(path)!);
  buf[byte]! ^= 1 << bit;
  fs.poke(path, buf);
}

const regions = [
  { name: 'crc', at: 1, bit: 3 },
  { name: 'length (low bit)', at: 4, bit: 0 },
  { name: 'length (high bit: runs past the end)', at: 7, bit: 6 },
  { name: 'type', at: 8, bit: 1 },
  { name: 'payload', at: 12, bit: 5 },
];

async function expectCorrupt(fs: FaultFs, file: string, offset: number): Promise<void> {
  const err = await openLogStore(DIR, { fs }).then(
    () => null,
    (e: unknown) => e,
  );
  assert.ok(err instanceof StorageCorruptionError, `expected corruption, got ${String(err)}`);
  assert.equal(err.file, file);
  assert.equal(err.offset, offset);
  assert.match(err.message, new RegExp(`${file}.*byte ${offset}`));
}

for (const r of regions) {
  test(`a flipped bit in the ${r.name} of a record in a middle segment is corruption`, async () => {
    for (const which of ['first', 'final'] as const) {
      const fs = await build();
      const offsets = recordOffsets(fs.peek(seg(1))!);
      const rec = which === 'first' ? offsets[0]! : offsets.at(-1)!;
      flip(fs, seg(1), rec + r.at, r.bit);
      await expectCorrupt(fs, seg(1), rec);
    }
  });

  test(`a flipped bit in the ${r.name} of a non-final record of the last segment is corruption`, async () => {
    const fs = await build();
    const offsets = recordOffsets(fs.peek(seg(2))!);
    const rec = offsets.at(-2)!; // entry 32: entry 33 follows it
    flip(fs, seg(2), rec + r.at, r.bit);
    await expectCorrupt(fs, seg(2), rec);
  });

  test(`a flipped bit in the ${r.name} of the final record of the last segment is a torn tail, cut off`, async () => {
    const fs = await build();
    const offsets = recordOffsets(fs.peek(seg(2))!);
    const rec = offsets.at(-1)!;
    flip(fs, seg(2), rec + r.at, r.bit);
    const o = await openLogStore(DIR, { fs });
    assert.deepEqual(o.restored.entries.map((e) => e.index), entries(1, 32, 1).map((e) => e.index));
    const after = fs.peek(seg(2))!;
    assert.ok(after.length >= rec && after.subarray(rec).every((b) => b === 0), 'torn tail cut off (what follows is zero-filled space)');
    // Appends continue from valid data.
    await o.store.save(update({ entries: entries(33, 34, 2) }));
    await o.store.close();
    const again = await openLogStore(DIR, { fs });
    assert.deepEqual(again.restored.entries.slice(-3).map((e) => `${e.index}/${e.term}`), ['32/1', '33/2', '34/2']);
    await again.store.close();
  });
}

test('an incomplete record at the end of the last segment is a torn tail; in a middle segment it is corruption', async () => {
  const fs = await build();
  const last = fs.peek(seg(2))!;
  fs.poke(seg(2), last.subarray(0, last.length - 3));
  const o = await openLogStore(DIR, { fs });
  assert.equal(o.restored.entries.at(-1)!.index, 32);
  await o.store.close();

  const fs2 = await build();
  const mid = fs2.peek(seg(1))!;
  fs2.poke(seg(1), mid.subarray(0, mid.length - 3));
  await expectCorrupt(fs2, seg(1), recordOffsets(fs.peek(seg(1))!).at(-1)!);
});

test('a missing middle segment is corruption', async () => {
  const fs = await build();
  await fs.unlink(seg(1));
  await expectCorrupt(fs, seg(2), 0);
});

test('a gap in entry indexes is corruption', async () => {
  const fs = await build();
  const end = fs.peek(seg(2))!.length;
  const f = await fs.openAppend(seg(2));
  await f.append(encodeBatch({ entries: entries(40, 40, 1) }));
  await f.append(encodeBatch({ entries: entries(41, 41, 1) }));
  await expectCorrupt(fs, seg(2), end);
});

test('an unknown record type with a valid checksum is corruption, even at the tail', async () => {
  const fs = await build();
  const end = fs.peek(seg(2))!.length;
  const rec = encodeBatch({ entries: entries(34, 34, 1) });
  rec[8] = 9;
  const { crc32 } = await import('./crc32.js');
  rec.writeUInt32LE(crc32(rec.subarray(4)), 0);
  const f = await fs.openAppend(seg(2));
  await f.append(rec);
  await expectCorrupt(fs, seg(2), end);
});

async function withSnapshot(): Promise<{ fs: FaultFs; file: string }> {
  const fs = await build();
  const o = await openLogStore(DIR, { fs });
  await o.store.saveSnapshot(snapshot(20, 1, 'x'.repeat(50)));
  await o.store.close();
  return { fs, file: join(SNAP, snapshotFileName(20, 1)) };
}

test('a snapshot file round-trips', async () => {
  const { fs } = await withSnapshot();
  const o = await openLogStore(DIR, { fs });
  assert.equal(describe(o.restored), describe({ hardState: hardState(1, 'n1', 20), snapshot: snapshot(20, 1, 'x'.repeat(50)), entries: entries(21, 33, 1) }));
  await o.store.close();
});

for (const [region, at] of [['magic', 2], ['meta', 14], ['voters', 50], ['data', 80], ['crc', -2]] as const) {
  test(`a flipped bit in the ${region} of the snapshot file is corruption`, async () => {
    const { fs, file } = await withSnapshot();
    const len = fs.peek(file)!.length;
    flip(fs, file, at < 0 ? len + at : at);
    const err = await openLogStore(DIR, { fs }).then(() => null, (e: unknown) => e);
    assert.ok(err instanceof StorageCorruptionError, String(err));
    assert.equal(err.file, file);
  });
}

test('a corrupt newest snapshot is refused even when an older valid one exists', async () => {
  const { fs, file } = await withSnapshot();
  await writeSnapshotFile(fs, SNAP, snapshot(10, 1), SnapshotOrigin.Local);
  flip(fs, file, 80);
  const err = await openLogStore(DIR, { fs }).then(() => null, (e: unknown) => e);
  assert.ok(err instanceof StorageCorruptionError);
  assert.equal(err.file, file);
});

test('a leader snapshot whose log marker never became durable is an unfinished install: discarded', async () => {
  const fs = await build();
  await writeSnapshotFile(fs, SNAP, snapshot(50, 3), SnapshotOrigin.Leader);
  const o = await openLogStore(DIR, { fs });
  assert.equal(o.restored.snapshot, null);
  assert.equal(o.restored.entries.length, 33);
  assert.deepEqual(fs.paths().filter((p) => p.startsWith(SNAP)), []);
  await o.store.close();
});
