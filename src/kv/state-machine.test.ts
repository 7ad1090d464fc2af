import assert from 'node:assert/strict';
import { test } from 'node:test';
import { seedFromEnv } from '../verify/prng.js';
import { encodeCommand } from './codec.js';
import type { KvCommand, KvResult } from './command.js';
import { CommandDecodeError } from './errors.js';
import { randomEntries } from './testing/random-entries.js';
import { KvStateMachine, type KvStateMachineOptions } from './state-machine.js';

/** A tiny builder: feeds commands at consecutive indexes through the encoded path. */
function machine(options?: KvStateMachineOptions) {
  const sm = new KvStateMachine(options);
  return {
    sm,
    apply(cmd: Partial<KvCommand> & { op: 'put' | 'del'; key: string }): KvResult | null {
      const full = { time: 1000, ...cmd } as KvCommand;
      return sm.apply(sm.lastApplied + 1, encodeCommand(full));
    },
    noop(): KvResult | null {
      return sm.apply(sm.lastApplied + 1, new Uint8Array());
    },
  };
}

test('put sets the value with revision = entry index', () => {
  const m = machine();
  m.noop();
  assert.deepEqual(m.apply({ op: 'put', key: 'a', value: '1' }), { ok: true, op: 'put', key: 'a', value: '1', revision: 2 });
  assert.deepEqual(m.sm.get('a'), { key: 'a', value: '1', revision: 2 });
  m.apply({ op: 'put', key: 'a', value: '2' });
  assert.deepEqual(m.sm.get('a'), { key: 'a', value: '2', revision: 3 });
  assert.equal(m.sm.size, 1);
  assert.equal(m.sm.lastApplied, 3);
});

test('empty data is a no-op that advances lastApplied and returns null', () => {
  const m = machine();
  assert.equal(m.noop(), null);
  assert.equal(m.sm.lastApplied, 1);
  assert.equal(m.sm.size, 0);
});

test('applying an index twice or out of order is a bug and throws', () => {
  const m = machine();
  m.noop();
  assert.throws(() => m.sm.apply(1, new Uint8Array()));
});

test('garbage entry data throws CommandDecodeError and changes nothing', () => {
  const m = machine();
  assert.throws(() => m.sm.apply(1, Uint8Array.of(1, 2, 3)), CommandDecodeError);
  assert.equal(m.sm.lastApplied, 0);
});

test('prevValue CAS: matches -> applies; differs or absent -> PRECONDITION_FAILED with current', () => {
  const m = machine();
  assert.deepEqual(m.apply({ op: 'put', key: 'a', value: 'x', prevValue: 'x' }), { ok: false, code: 'PRECONDITION_FAILED', current: null });
  assert.equal(m.sm.get('a'), undefined);
  m.apply({ op: 'put', key: 'a', value: 'x' });
  assert.deepEqual(m.apply({ op: 'put', key: 'a', value: 'y', prevValue: 'nope' }), {
    ok: false, code: 'PRECONDITION_FAILED', current: { value: 'x', revision: 2 },
  });
  assert.deepEqual(m.apply({ op: 'put', key: 'a', value: 'y', prevValue: 'x' }), { ok: true, op: 'put', key: 'a', value: 'y', revision: 4 });
});

test('prevRevision CAS: 0 means only if absent; otherwise must equal the last-modified revision', () => {
  const m = machine();
  assert.equal(m.apply({ op: 'put', key: 'a', value: '1', prevRevision: 0 })!.ok, true);
  assert.deepEqual(m.apply({ op: 'put', key: 'a', value: '2', prevRevision: 0 }), {
    ok: false, code: 'PRECONDITION_FAILED', current: { value: '1', revision: 1 },
  });
  assert.deepEqual(m.apply({ op: 'put', key: 'a', value: '2', prevRevision: 7 }), {
    ok: false, code: 'PRECONDITION_FAILED', current: { value: '1', revision: 1 },
  });
  assert.deepEqual(m.apply({ op: 'put', key: 'a', value: '2', prevRevision: 1 }), { ok: true, op: 'put', key: 'a', value: '2', revision: 4 });
  assert.deepEqual(m.apply({ op: 'put', key: 'b', value: '1', prevRevision: 3 }), { ok: false, code: 'PRECONDITION_FAILED', current: null });
});

test('both preconditions must hold', () => {
  const m = machine();
  m.apply({ op: 'put', key: 'a', value: 'x' });
  assert.equal(m.apply({ op: 'put', key: 'a', value: 'y', prevValue: 'x', prevRevision: 9 })!.ok, false);
  assert.equal(m.apply({ op: 'put', key: 'a', value: 'y', prevValue: 'x', prevRevision: 1 })!.ok, true);
});

test('del reports deleted true/false with revision = index; absent key still succeeds', () => {
  const m = machine();
  m.apply({ op: 'put', key: 'a', value: '1' });
  assert.deepEqual(m.apply({ op: 'del', key: 'a' }), { ok: true, op: 'del', key: 'a', deleted: true, revision: 2 });
  assert.equal(m.sm.get('a'), undefined);
  assert.deepEqual(m.apply({ op: 'del', key: 'a' }), { ok: true, op: 'del', key: 'a', deleted: false, revision: 3 });
  assert.equal(m.sm.size, 0);
});

test('del honours preconditions', () => {
  const m = machine();
  m.apply({ op: 'put', key: 'a', value: '1' });
  assert.deepEqual(m.apply({ op: 'del', key: 'a', prevValue: '2' }), {
    ok: false, code: 'PRECONDITION_FAILED', current: { value: '1', revision: 1 },
  });
  assert.deepEqual(m.apply({ op: 'del', key: 'b', prevValue: '2' }), { ok: false, code: 'PRECONDITION_FAILED', current: null });
  assert.deepEqual(m.apply({ op: 'del', key: 'b', prevRevision: 0 }), { ok: true, op: 'del', key: 'b', deleted: false, revision: 4 });
  assert.equal(m.apply({ op: 'del', key: 'a', prevRevision: 1 })!.ok, true);
  assert.equal(m.sm.get('a'), undefined);
});

test('list returns keys with the prefix, sorted, with limit and more', () => {
  const m = machine();
  for (const k of ['b/2', 'a', 'b/1', 'b/10', 'c', 'b']) m.apply({ op: 'put', key: k, value: k.toUpperCase() });
  assert.deepEqual(m.sm.list('b', 10).items.map((kv) => kv.key), ['b', 'b/1', 'b/10', 'b/2']);
  assert.deepEqual(m.sm.list('b/', 2), {
    items: [{ key: 'b/1', value: 'B/1', revision: 3 }, { key: 'b/10', value: 'B/10', revision: 4 }],
    more: true,
  });
  assert.deepEqual(m.sm.list('b/', 3).more, false);
  assert.deepEqual(m.sm.list('zz', 3), { items: [], more: false });
  m.apply({ op: 'del', key: 'b/1' });
  assert.deepEqual(m.sm.list('', 100).items.map((kv) => kv.key), ['a', 'b', 'b/10', 'b/2', 'c']);
});

test('returned records are immutable snapshots of the key', () => {
  const m = machine();
  m.apply({ op: 'put', key: 'a', value: '1' });
  const before = m.sm.get('a');
  m.apply({ op: 'put', key: 'a', value: '2' });
  assert.deepEqual(before, { key: 'a', value: '1', revision: 1 });
});

test('idempotent retry returns the first result and changes nothing, even after the key changed', () => {
  const m = machine();
  const first = m.apply({ op: 'put', key: 'a', value: '1', idempotencyKey: 'r1' });
  m.apply({ op: 'put', key: 'a', value: '2' });
  const retry = m.apply({ op: 'put', key: 'a', value: '1', idempotencyKey: 'r1' });
  assert.deepEqual(retry, first);
  assert.deepEqual(m.sm.get('a'), { key: 'a', value: '2', revision: 2 });
  assert.equal(m.sm.lastApplied, 3);
  // A failed CAS is a result too: its retry fails the same way even though it would now succeed.
  const failed = m.apply({ op: 'put', key: 'b', value: 'x', prevValue: 'y', idempotencyKey: 'r2' });
  m.apply({ op: 'put', key: 'b', value: 'y' });
  assert.deepEqual(m.apply({ op: 'put', key: 'b', value: 'x', prevValue: 'y', idempotencyKey: 'r2' }), failed);
  assert.equal(m.sm.get('b')!.value, 'y');
  // A delete retry does not delete a key recreated since.
  m.apply({ op: 'del', key: 'b', idempotencyKey: 'r3' });
  m.apply({ op: 'put', key: 'b', value: 'again' });
  assert.deepEqual(m.apply({ op: 'del', key: 'b', idempotencyKey: 'r3' }), { ok: true, op: 'del', key: 'b', deleted: true, revision: 7 });
  assert.equal(m.sm.get('b')!.value, 'again');
});

test('idempotency records expire by command time, not by wall clock', () => {
  const m = machine({ idempotencyRetentionMs: 1000 });
  m.apply({ op: 'put', key: 'a', value: '1', idempotencyKey: 'r1', time: 10_000 });
  // Within the window (by the time carried in the command): still deduplicated.
  assert.equal(m.apply({ op: 'put', key: 'a', value: '1', idempotencyKey: 'r1', time: 11_000 })!.ok, true);
  assert.equal(m.sm.get('a')!.revision, 1);
  // A command from a leader whose clock is behind does not move "now" backwards.
  m.apply({ op: 'put', key: 'z', value: '1', time: 5_000 });
  assert.equal(m.sm.idempotencyRecords, 1);
  // Any command (here without a key) carrying a later time expires older records.
  m.apply({ op: 'put', key: 'z', value: '2', time: 11_001 });
  assert.equal(m.sm.idempotencyRecords, 0);
  const again = m.apply({ op: 'put', key: 'a', value: '1', idempotencyKey: 'r1', time: 11_002 });
  assert.deepEqual(again, { ok: true, op: 'put', key: 'a', value: '1', revision: 5 });
});

test('the idempotency table is bounded; the oldest records go first', () => {
  const m = machine({ idempotencyRecordsMax: 3 });
  for (let i = 1; i <= 5; i++) m.apply({ op: 'put', key: 'k', value: String(i), idempotencyKey: `r${i}` });
  assert.equal(m.sm.idempotencyRecords, 3);
  // r1 was evicted: it applies again. r5 is remembered.
  assert.equal((m.apply({ op: 'put', key: 'k', value: '1', idempotencyKey: 'r1' }) as { revision: number }).revision, 6);
  assert.equal((m.apply({ op: 'put', key: 'k', value: '5', idempotencyKey: 'r5' }) as { revision: number }).revision, 5);
  assert.equal(m.sm.get('k')!.value, '1');
});

test('determinism: two machines fed the same entries give byte-identical snapshots and results', () => {
  const seed = seedFromEnv();
  console.log(`state-machine determinism seed=${seed} (replay with SEED=${seed})`);
  const entries = randomEntries(seed, 3000);
  const a = new KvStateMachine({ idempotencyRetentionMs: 60_000, idempotencyRecordsMax: 50 });
  const b = new KvStateMachine({ idempotencyRetentionMs: 60_000, idempotencyRecordsMax: 50 });
  entries.forEach((data, i) => {
    assert.deepEqual(a.apply(i + 1, data), b.apply(i + 1, data), `seed=${seed} entry ${i + 1}`);
  });
  assert.deepEqual(a.snapshot(), b.snapshot(), `seed=${seed}`);
  assert.ok(a.size > 0 && a.idempotencyRecords > 0);
});
