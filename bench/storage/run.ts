// Storage benchmark: raw fdatasync rate of this disk, then the WAL's append throughput for
// several batch sizes (fsync on), recovery of a large log, and a large snapshot.
// Usage: node dist/bench/storage/run.js [--quick]
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Entry, EntryType, Index, NodeId, Snapshot, Term } from '../../src/raft/types.js';
import { openLogStore } from '../../src/storage/file-log-store.js';

const quick = process.argv.includes('--quick');
const LOG_ENTRIES = quick ? 100_000 : 1_000_000;
const SNAPSHOT_KEYS = quick ? 100_000 : 1_000_000;
const SYNC_ROUNDS = quick ? 200 : 1000;
const APPEND_SECONDS = quick ? 1 : 3;
const VALUE_BYTES = 100;

const rows: [string, string][] = [];
const row = (name: string, value: string): void => {
  rows.push([name, value]);
  console.log(`  ${name}: ${value}`);
};
const mb = (bytes: number): string => `${(bytes / 1048576).toFixed(1)} MiB`;
const pct = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;

function makeEntries(from: number, count: number, payload: Buffer): Entry[] {
  const out: Entry[] = new Array(count);
  for (let i = 0; i < count; i++) out[i] = { index: (from + i) as Index, term: 1 as Term, type: 0 as EntryType, data: payload };
  return out;
}

async function rawFdatasync(dir: string): Promise<void> {
  const fh = await open(join(dir, 'raw'), 'a');
  const block = Buffer.alloc(4096, 7);
  const lat: number[] = [];
  const t0 = performance.now();
  for (let i = 0; i < SYNC_ROUNDS; i++) {
    const s = performance.now();
    await fh.write(block);
    await fh.datasync();
    lat.push(performance.now() - s);
  }
  const total = (performance.now() - t0) / 1000;
  await fh.close();
  lat.sort((a, b) => a - b);
  row('raw 4 KiB append+fdatasync', `${(SYNC_ROUNDS / total).toFixed(0)} ops/s, p50 ${pct(lat, 0.5).toFixed(2)} ms, p99 ${pct(lat, 0.99).toFixed(2)} ms`);
}

async function appends(dir: string, batch: number): Promise<void> {
  const d = join(dir, `append-${batch}`);
  const { store } = await openLogStore(d);
  const payload = Buffer.alloc(VALUE_BYTES, 97);
  let next = 1;
  let batches = 0;
  const lat: number[] = [];
  const t0 = performance.now();
  while (performance.now() - t0 < APPEND_SECONDS * 1000) {
    const es = makeEntries(next, batch, payload);
    const s = performance.now();
    await store.save({ snapshot: null, entries: es, hardState: null });
    lat.push(performance.now() - s);
    next += batch;
    batches++;
  }
  const secs = (performance.now() - t0) / 1000;
  await store.close();
  lat.sort((a, b) => a - b);
  const n = next - 1;
  row(
    `append batch=${batch} x ${VALUE_BYTES} B, fsync`,
    `${(n / secs).toFixed(0)} entries/s, ${(((n * VALUE_BYTES) / secs) / 1048576).toFixed(2)} MB/s payload, ${(batches / secs).toFixed(0)} saves/s, save p50 ${pct(lat, 0.5).toFixed(2)} ms`,
  );
  await rm(d, { recursive: true, force: true });
}

async function recovery(dir: string): Promise<void> {
  const d = join(dir, 'recovery');
  const payload = Buffer.alloc(VALUE_BYTES, 98);
  {
    // Building the log is not what is measured: fsync off.
    const { store } = await openLogStore(d, { fsync: false });
    for (let i = 1; i <= LOG_ENTRIES; i += 4096) {
      await store.save({ snapshot: null, entries: makeEntries(i, Math.min(4096, LOG_ENTRIES - i + 1), payload), hardState: { term: 1 as Term, vote: 'n1' as NodeId, commit: (i - 1) as Index } });
    }
    await store.close();
  }
  const before = process.memoryUsage();
  const t0 = performance.now();
  const { store, restored } = await openLogStore(d);
  const ms = performance.now() - t0;
  const after = process.memoryUsage();
  if (restored.entries.length !== LOG_ENTRIES) throw new Error(`recovered ${restored.entries.length} entries`);
  row(
    `recover ${LOG_ENTRIES.toLocaleString('en')} entries`,
    `${ms.toFixed(0)} ms (${((LOG_ENTRIES / ms) * 1000).toFixed(0)} entries/s), RSS ${mb(after.rss)} (+${mb(after.rss - before.rss)}), heap used ${mb(after.heapUsed)} (+${mb(after.heapUsed - before.heapUsed)}), external+arrayBuffers ${mb(after.arrayBuffers)}`,
  );
  await store.close();
  await rm(d, { recursive: true, force: true });
}

/** A simple snapshot encoding: (u16 key length, key, u32 value length, value)*. */
function encodeKv(keys: number): Buffer {
  const value = Buffer.alloc(VALUE_BYTES, 99);
  const keyBytes = 12;
  const buf = Buffer.allocUnsafe(keys * (2 + keyBytes + 4 + VALUE_BYTES));
  let at = 0;
  for (let i = 0; i < keys; i++) {
    buf.writeUInt16LE(keyBytes, at);
    buf.write(`key${String(i).padStart(9, '0')}`, at + 2, 'latin1');
    buf.writeUInt32LE(VALUE_BYTES, at + 2 + keyBytes);
    value.copy(buf, at + 6 + keyBytes);
    at += 6 + keyBytes + VALUE_BYTES;
  }
  return buf;
}

function decodeKv(buf: Uint8Array): Map<string, Uint8Array> {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  const out = new Map<string, Uint8Array>();
  for (let at = 0; at < b.length; ) {
    const kl = b.readUInt16LE(at);
    const key = b.toString('latin1', at + 2, at + 2 + kl);
    const vl = b.readUInt32LE(at + 2 + kl);
    out.set(key, b.subarray(at + 6 + kl, at + 6 + kl + vl));
    at += 6 + kl + vl;
  }
  return out;
}

async function snapshots(dir: string): Promise<void> {
  const d = join(dir, 'snapshot');
  let t = performance.now();
  const data = encodeKv(SNAPSHOT_KEYS);
  const encodeMs = performance.now() - t;
  const snap: Snapshot = { meta: { index: 1 as Index, term: 1 as Term, conf: { voters: ['n1', 'n2', 'n3'] as NodeId[] } }, data };
  const { store } = await openLogStore(d);
  t = performance.now();
  await store.saveSnapshot(snap);
  const writeMs = performance.now() - t;
  await store.close();
  t = performance.now();
  const reopened = await openLogStore(d);
  const loadMs = performance.now() - t;
  t = performance.now();
  const kv = decodeKv(reopened.restored.snapshot!.data);
  const decodeMs = performance.now() - t;
  if (kv.size !== SNAPSHOT_KEYS) throw new Error(`decoded ${kv.size} keys`);
  await reopened.store.close();
  row(
    `snapshot ${SNAPSHOT_KEYS.toLocaleString('en')} keys (${mb(data.length)})`,
    `encode ${encodeMs.toFixed(0)} ms, write+fsync+rename ${writeMs.toFixed(0)} ms, load+verify ${loadMs.toFixed(0)} ms, decode to Map ${decodeMs.toFixed(0)} ms`,
  );
  await rm(d, { recursive: true, force: true });
}

const dir = await mkdtemp(join(tmpdir(), 'raftkv-bench-storage-'));
try {
  console.log(`storage bench${quick ? ' (quick)' : ''} in ${dir}, node ${process.version}`);
  await rawFdatasync(dir);
  for (const batch of [1, 64, 1024]) await appends(dir, batch);
  await recovery(dir);
  await snapshots(dir);
  const width = Math.max(...rows.map(([n]) => n.length));
  console.log(`\n${'measure'.padEnd(width)} | result\n${'-'.repeat(width)}-|-------`);
  for (const [n, v] of rows) console.log(`${n.padEnd(width)} | ${v}`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
