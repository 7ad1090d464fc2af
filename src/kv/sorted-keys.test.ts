import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Prng, seedFromEnv } from '../verify/prng.js';
import { CHUNK_LOAD, SortedKeys } from './sorted-keys.js';

/** The naive twin: a Set, sorted on every query. */
function naiveRange(keys: Set<string>, prefix: string, limit: number): { keys: string[]; more: boolean } {
  const all = [...keys].filter((k) => k.startsWith(prefix)).sort();
  return { keys: all.slice(0, limit), more: all.length > limit };
}

test('matches a naive sorted set under random inserts, deletes and range queries', () => {
  const seed = seedFromEnv();
  console.log(`sorted-keys seed=${seed} (replay with SEED=${seed})`);
  const rng = new Prng(seed);
  const s = new SortedKeys();
  const naive = new Set<string>();
  const key = () => String.fromCharCode(97 + rng.int(4)) + String(rng.int(6000)).padStart(rng.int(3) + 1, '0');
  // Grow past several chunk splits, then shrink to exercise merges.
  for (let phase = 0; phase < 2; phase++) {
    for (let i = 0; i < 12 * CHUNK_LOAD; i++) {
      const k = key();
      const insert = phase === 0 ? rng.chance(0.8) : rng.chance(0.15);
      if (insert && !naive.has(k)) {
        s.insert(k);
        naive.add(k);
      } else if (!insert && naive.has(k)) {
        s.delete(k);
        naive.delete(k);
      }
      if (i % 997 === 0) {
        s.checkInvariants();
        for (const prefix of ['', 'a', 'b1', 'c99', 'd5', 'zz']) {
          const limit = rng.int(50);
          assert.deepEqual(s.range(prefix, limit), naiveRange(naive, prefix, limit), `seed=${seed} prefix=${prefix}`);
        }
      }
    }
  }
  s.checkInvariants();
  assert.equal(s.size, naive.size);
  assert.deepEqual([...s], [...naive].sort());
});

test('fromSorted builds the same set', () => {
  const keys = Array.from({ length: 5 * CHUNK_LOAD + 7 }, (_, i) => `k${String(i).padStart(6, '0')}`);
  const s = SortedKeys.fromSorted(keys);
  s.checkInvariants();
  assert.deepEqual([...s], keys);
  assert.deepEqual(s.range('k00001', 3), { keys: ['k000010', 'k000011', 'k000012'], more: true });
});
