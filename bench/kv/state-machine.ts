// Micro-benchmark of the KV state machine: 1M keys, prefix listing under writes, snapshot
// and restore, command codec throughput. Run: node --expose-gc dist/bench/kv/state-machine.js [keys]
import { decodeCommand, encodeCommand } from '../../src/kv/codec.js';
import type { KvCommand } from '../../src/kv/command.js';
import { KvStateMachine } from '../../src/kv/state-machine.js';
import { Prng } from '../../src/verify/prng.js';

const keys = Number(process.argv[2] ?? 1_000_000);
const rng = new Prng(42);
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
const mb = (n: number) => (n / 1024 / 1024).toFixed(1);
function time<T>(label: string, fn: () => T, ops = 1): T {
  const t0 = performance.now();
  const out = fn();
  const ms = performance.now() - t0;
  const per = ops > 1 ? `  (${((ms * 1000) / ops).toFixed(2)} µs/op, ${Math.round(ops / (ms / 1000)).toLocaleString()} ops/s)` : '';
  console.log(`${label.padEnd(44)} ${ms.toFixed(1).padStart(8)} ms${per}`);
  return out;
}
// Keys like "users/3f2a91/profile": a few hundred top-level groups, random order.
const keyOf = (i: number) => `g${(i * 2654435761) % 997}/${((i * 40503) >>> 0).toString(36)}/${i}`;
const value = 'v'.repeat(32);

// Baseline on this machine right now (it is shared): a bare Map of the same records.
time(`baseline: bare Map.set ${keys.toLocaleString()} records`, () => {
  const m = new Map<string, unknown>();
  for (let i = 0; i < keys; i++) { const k = keyOf(i); m.set(k, { key: k, value, revision: i + 1 }); }
  return m.size;
}, keys);
gc();
const rss0 = process.memoryUsage().rss;
const heap0 = process.memoryUsage().heapUsed;
const sm = new KvStateMachine();
time(`applyCommand put ${keys.toLocaleString()} new keys`, () => {
  for (let i = 0; i < keys; i++) sm.applyCommand(i + 1, { op: 'put', key: keyOf(i), value, time: i });
}, keys);
gc();
const { rss, heapUsed } = process.memoryUsage();
console.log(`memory: RSS +${mb(rss - rss0)} MB, heap +${mb(heapUsed - heap0)} MB, ${Math.round((heapUsed - heap0) / keys)} heap bytes/key (key ~16 B, value 32 B)`);

let next = keys;
const prefixes = Array.from({ length: 100 }, () => `g${rng.int(997)}/${rng.int(36).toString(36)}`);
time('list 100 random prefixes (limit 100)', () => {
  for (const p of prefixes) sm.list(p, 100);
}, 100);
time('list 100 prefixes, 100 new-key puts between each', () => {
  for (const p of prefixes) {
    for (let j = 0; j < 100; j++, next++) sm.applyCommand(next + 1, { op: 'put', key: keyOf(next), value, time: next });
    sm.list(p, 100);
  }
}, 100);
time('get 1M random keys', () => {
  for (let i = 0; i < 1_000_000; i++) sm.get(keyOf(rng.int(keys)));
}, 1_000_000);
time('overwrite 200k existing keys', () => {
  for (let i = 0; i < 200_000; i++, next++) sm.applyCommand(next + 1, { op: 'put', key: keyOf(rng.int(keys)), value: 'w', time: next });
}, 200_000);
time('delete 200k keys', () => {
  for (let i = 0; i < 200_000; i++, next++) sm.applyCommand(next + 1, { op: 'del', key: keyOf(rng.int(keys)), time: next });
}, 200_000);

const image = time(`snapshot (${sm.size.toLocaleString()} keys)`, () => sm.snapshot());
console.log(`snapshot size ${mb(image.length)} MB`);
const copy = new KvStateMachine();
time('restore', () => copy.restore(image));
console.log(`restored ${copy.size.toLocaleString()} keys, lastApplied ${copy.lastApplied}`);

const cmd: KvCommand = { op: 'put', key: 'users/12345/profile', value: 'x'.repeat(100), time: Date.now(), idempotencyKey: '3b9e2c1a-5f' };
const encoded = encodeCommand(cmd);
time(`encodeCommand (${encoded.length} B put)`, () => { for (let i = 0; i < 1_000_000; i++) encodeCommand(cmd); }, 1_000_000);
time('decodeCommand', () => { for (let i = 0; i < 1_000_000; i++) decodeCommand(encoded); }, 1_000_000);
time('JSON.stringify + TextEncoder (for comparison)', () => { const te = new TextEncoder(); for (let i = 0; i < 1_000_000; i++) te.encode(JSON.stringify(cmd)); }, 1_000_000);
