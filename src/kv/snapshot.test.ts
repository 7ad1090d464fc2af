import assert from 'node:assert/strict';
import { test } from 'node:test';
import { seedFromEnv } from '../verify/prng.js';
import { encodeCommand } from './codec.js';
import { SnapshotDecodeError } from './errors.js';
import { randomEntries } from './testing/random-entries.js';
import { KvStateMachine } from './state-machine.js';

const options = { idempotencyRetentionMs: 60_000, idempotencyRecordsMax: 50 };

test('restore(snapshot()) reproduces the state; applying afterwards behaves the same', () => {
  const seed = seedFromEnv();
  console.log(`snapshot seed=${seed} (replay with SEED=${seed})`);
  const entries = randomEntries(seed, 4000);
  const cut = 2500;
  const original = new KvStateMachine(options);
  entries.slice(0, cut).forEach((data, i) => original.apply(i + 1, data));
  const image = original.snapshot();

  const restored = new KvStateMachine(options);
  restored.apply(1, new Uint8Array()); // state that restore must discard
  restored.restore(image);
  assert.equal(restored.lastApplied, cut);
  assert.equal(restored.size, original.size);
  assert.equal(restored.idempotencyRecords, original.idempotencyRecords);
  assert.deepEqual(restored.list('', 1e9), original.list('', 1e9));
  assert.deepEqual(restored.snapshot(), image, `seed=${seed}`);

  for (let i = cut; i < entries.length; i++) {
    assert.deepEqual(restored.apply(i + 1, entries[i]!), original.apply(i + 1, entries[i]!), `seed=${seed} entry ${i + 1}`);
  }
  assert.deepEqual(restored.snapshot(), original.snapshot(), `seed=${seed}`);
});

test('snapshot carries non-ASCII keys and values and precondition results', () => {
  const sm = new KvStateMachine();
  sm.apply(1, encodeCommand({ op: 'put', key: 'ключ/𝄞', value: 'é'.repeat(100), time: 1, idempotencyKey: 'a' }));
  sm.apply(2, encodeCommand({ op: 'put', key: 'x', value: '1', time: 2, prevValue: 'no', idempotencyKey: 'b' }));
  sm.apply(3, encodeCommand({ op: 'put', key: 'ключ/𝄞', value: '2', time: 3, prevValue: 'no', idempotencyKey: 'c' }));
  sm.apply(4, encodeCommand({ op: 'del', key: 'y', time: 4, idempotencyKey: 'd' }));
  const copy = new KvStateMachine();
  copy.restore(sm.snapshot());
  assert.deepEqual(copy.get('ключ/𝄞'), sm.get('ключ/𝄞'));
  for (const [i, k] of ['a', 'b', 'c', 'd'].entries()) {
    // Retrying every idempotency key returns the remembered result.
    const cmd = { op: 'del', key: 'q', time: 5, idempotencyKey: k } as const;
    assert.deepEqual(copy.apply(5 + i, encodeCommand(cmd)), sm.apply(5 + i, encodeCommand(cmd)));
  }
});

test('restore rejects garbage with SnapshotDecodeError and leaves the state alone', () => {
  const sm = new KvStateMachine();
  sm.apply(1, encodeCommand({ op: 'put', key: 'a', value: '1', time: 1 }));
  const image = sm.snapshot();
  for (const bad of [new Uint8Array(), Uint8Array.of(9), image.subarray(0, image.length - 1), Uint8Array.of(...image, 0)]) {
    assert.throws(() => sm.restore(bad), SnapshotDecodeError);
  }
  assert.deepEqual(sm.get('a'), { key: 'a', value: '1', revision: 1 });
});

test('an empty machine snapshots and restores', () => {
  const copy = new KvStateMachine();
  copy.restore(new KvStateMachine().snapshot());
  assert.equal(copy.size, 0);
  assert.equal(copy.lastApplied, 0);
});

test('snapshotSteps: the state at the call, in steps, byte-identical to snapshot() even while applies go on between steps', () => {
  const seed = seedFromEnv();
  console.log(`snapshotSteps seed=${seed} (replay with SEED=${seed})`);
  const entries = randomEntries(seed, 3000);
  const sm = new KvStateMachine(options);
  entries.slice(0, 2000).forEach((data, i) => sm.apply(i + 1, data));
  const expected = sm.snapshot();
  const steps = sm.snapshotSteps(3);
  let turns = 0;
  let next = steps.next();
  for (let i = 2000; !next.done; i++) {
    // The machine moves on between steps; the snapshot must not see it.
    if (i < entries.length) sm.apply(i + 1, entries[i]!);
    turns++;
    next = steps.next();
  }
  assert.ok(turns > 1, 'it took several steps');
  assert.deepEqual(next.value, expected, `seed=${seed}`);
});
