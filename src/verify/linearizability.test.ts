import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Operation, OpResult } from './history.js';
import { HistoryRecorder } from './history.js';
import { checkHistory, prepareHistory } from './linearizability.js';
import { Prng, seedFromEnv } from './prng.js';

// ---- tiny builders: put(client, key, value, call, ret) etc. ----
let nextId = 1;
function op(kind: Operation['kind'], client: number, key: string, call: number, ret: number | null, extra: Partial<Operation> & { result?: OpResult }): Operation {
  return { id: nextId++, client, kind, key, call, ret, ...(ret === null ? {} : { result: { ok: true } }), ...extra };
}
const put = (c: number, v: string, call: number, ret: number | null, key = 'x') => op('put', c, key, call, ret, { value: v });
const del = (c: number, call: number, ret: number | null, key = 'x') => op('del', c, key, call, ret, {});
const get = (c: number, v: string | null, call: number, ret: number, key = 'x') => op('get', c, key, call, ret, { result: { ok: true, value: v } });
const cas = (c: number, expected: string, v: string, swapped: boolean | null, call: number, ret: number | null, key = 'x') =>
  op('cas', c, key, call, ret, { value: v, expected, ...(swapped === null ? {} : { result: { ok: swapped } }) });

const good = (ops: Operation[]) => {
  const r = checkHistory(ops);
  assert.equal(r.ok, true, r.ok === false ? r.explanation : 'timeout');
};
const bad = (ops: Operation[]) => {
  const r = checkHistory(ops);
  assert.equal(r.ok, false, 'expected a violation');
  return r as Extract<typeof r, { ok: false }>;
};

test('sequential put then get is linearizable', () => good([put(1, 'a', 0, 1), get(2, 'a', 2, 3)]));

test('stale read after a completed write is not', () => {
  const r = bad([put(1, 'a', 0, 1), put(1, 'b', 2, 3), get(2, 'a', 4, 5)]);
  assert.equal(r.key, 'x');
  assert.match(r.explanation, /get x -> "a"/);
});

test('concurrent overlapping writes may take either order', () => {
  good([put(1, 'a', 0, 10), put(2, 'b', 1, 9), get(3, 'a', 11, 12)]);
  good([put(1, 'a', 0, 10), put(2, 'b', 1, 9), get(3, 'b', 11, 12)]);
});

test('but every later reader must agree on the order', () => {
  bad([put(1, 'a', 0, 10), put(2, 'b', 1, 9), get(3, 'b', 11, 12), get(3, 'a', 13, 14)]);
});

test('a read seeing a write that had not started is not', () => void bad([get(1, 'a', 0, 1), put(2, 'a', 2, 3)]));

test('a read overlapping the write may see it or not', () => {
  good([put(1, 'a', 0, 5), get(2, 'a', 1, 2)]);
  good([put(1, 'a', 0, 5), get(2, null, 1, 2)]);
});

test('a lost acknowledged write is not', () => void bad([put(1, 'a', 0, 1), get(2, null, 2, 3)]));

test('a read of a value then an older value is not', () => {
  bad([put(1, 'a', 0, 1), put(1, 'b', 2, 10), get(2, 'b', 3, 4), get(2, 'a', 5, 6)]);
});

test('two successful CAS from the same expected value are not', () => {
  bad([put(1, 'a', 0, 1), cas(1, 'a', 'b', true, 2, 5), cas(2, 'a', 'c', true, 2, 5)]);
  good([put(1, 'a', 0, 1), cas(1, 'a', 'b', true, 2, 5), cas(2, 'a', 'c', false, 2, 5)]);
});

test('CAS on an absent key fails; a failed CAS needs a different current value', () => {
  good([cas(1, 'a', 'b', false, 0, 1)]);
  bad([cas(1, 'a', 'b', true, 0, 1)]);
  bad([put(1, 'a', 0, 1), cas(1, 'a', 'b', false, 2, 3)]);
});

test('an unknown-outcome write that is later observed is fine', () => {
  good([put(1, 'a', 0, 1), put(2, 'b', 2, null), get(3, 'a', 3, 4), get(3, 'b', 10, 11)]);
});

test('an unknown-outcome write that is never observed is fine', () => {
  good([put(1, 'a', 0, 1), put(2, 'b', 2, null), get(3, 'a', 3, 4), get(3, 'a', 10, 11)]);
});

test('but an unknown write cannot be seen before its call', () => {
  bad([get(3, 'b', 0, 1), put(2, 'b', 2, null)]);
});

test('an unknown-outcome CAS may or may not swap', () => {
  good([put(1, 'a', 0, 1), cas(2, 'a', 'b', null, 2, null), get(3, 'b', 5, 6)]);
  good([put(1, 'a', 0, 1), cas(2, 'a', 'b', null, 2, null), get(3, 'a', 5, 6)]);
  bad([put(1, 'z', 0, 1), cas(2, 'a', 'b', null, 2, null), get(3, 'b', 5, 6)]);
});

test('delete makes the key absent; delete of an absent key is ok', () => {
  good([del(1, 0, 1), put(1, 'a', 2, 3), del(2, 4, 5), get(3, null, 6, 7)]);
  bad([put(1, 'a', 2, 3), del(2, 4, 5), get(3, 'a', 6, 7)]);
});

test('failed reads and definitely-not-applied writes are dropped', () => {
  const failedRead = op('get', 1, 'x', 0, 1, { result: { ok: false } });
  const notApplied = op('put', 1, 'x', 0, 1, { value: 'zzz', result: { ok: false } });
  assert.deepEqual(prepareHistory([failedRead, notApplied]), []);
  good([notApplied, get(2, null, 2, 3)]);
});

test('keys are checked independently; the failing key is named', () => {
  const r = bad([put(1, 'a', 0, 1, 'k1'), get(1, 'a', 2, 3, 'k1'), put(1, 'a', 0, 1, 'k2'), get(2, null, 2, 3, 'k2')]);
  assert.equal(r.key, 'k2');
});

test('HistoryRecorder builds histories the checker reads', () => {
  let now = 0;
  const h = new HistoryRecorder(() => now++);
  const a = h.invoke(1, 'put', 'k', { value: 'v' });
  const b = h.invoke(2, 'put', 'k', { value: 'w' });
  h.ok(a);
  h.unknown(b);
  const c = h.invoke(3, 'get', 'k');
  h.ok(c, 'w');
  const d = h.invoke(3, 'get', 'k');
  h.notApplied(d);
  const ops = h.history();
  assert.equal(ops.length, 3);
  assert.equal(ops[1]!.ret, null);
  good(ops);
});

// ---- property test against a brute-force checker ----

/** Tries every order that respects real time; unanswered ops may be placed anywhere after their call, or nowhere. */
function bruteForce(ops: readonly Operation[]): boolean {
  const live = prepareHistory(ops);
  const placed = new Array<boolean>(live.length).fill(false);
  const answered = live.map((o) => o.ret !== null && o.result !== undefined);
  const search = (value: string | null, left: number): boolean => {
    if (left === 0) return true;
    for (let i = 0; i < live.length; i++) {
      if (placed[i]) continue;
      const o = live[i]!;
      // o can go next only if no other unplaced answered op returned before o was called.
      if (live.some((p, j) => !placed[j] && j !== i && answered[j] && p.ret! < o.call)) continue;
      let next: string | null | undefined;
      if (o.kind === 'put') next = o.value!;
      else if (o.kind === 'del') next = null;
      else if (o.kind === 'get') next = value === (o.result!.value ?? null) ? value : undefined;
      else if (!answered[i]) next = value === o.expected ? o.value! : value;
      else if (o.result!.ok) next = value === o.expected ? o.value! : undefined;
      else next = value !== o.expected ? value : undefined;
      if (next === undefined) continue;
      placed[i] = true;
      if (search(next, left - (answered[i] ? 1 : 0))) return true;
      placed[i] = false;
    }
    return false;
  };
  return search(null, answered.filter(Boolean).length);
}

/** A sequential execution of random ops on one key, stretched into overlapping intervals. */
function randomHistory(rng: Prng, n: number, clients: number, key = 'x', uniqueValues = false): Operation[] {
  const ops: Operation[] = [];
  let value: string | null = null;
  for (let i = 0; i < n; i++) {
    const at = i * 10 + 5; // linearization point
    const call = Math.max(0, at - rng.int(30));
    const ret = at + rng.int(30);
    const client = rng.int(clients);
    const r = rng.next();
    const v = uniqueValues ? `u${i}` : `v${rng.int(4)}`;
    if (r < 0.35) {
      const lost = rng.chance(0.1);
      const effective = !lost || rng.chance(0.5);
      if (effective) value = v;
      ops.push(lost ? put(client, v, call, null, key) : put(client, v, call, ret, key));
    } else if (r < 0.45) {
      value = null;
      ops.push(del(client, call, ret, key));
    } else if (r < 0.6) {
      const expected = `v${rng.int(4)}`;
      const swapped = value === expected;
      if (swapped) value = v;
      ops.push(cas(client, expected, v, swapped, call, ret, key));
    } else {
      ops.push(get(client, value, call, ret, key));
    }
  }
  return ops;
}

function mutateOneRead(rng: Prng, ops: Operation[]): Operation[] {
  const reads = ops.map((o, i) => [o, i] as const).filter(([o]) => o.kind === 'get');
  if (reads.length === 0) return ops;
  const [o, i] = rng.pick(reads);
  const written = ops.flatMap((w) => (w.value === undefined ? [] : [w.value]));
  const choices = [null, 'v0', 'v1', ...written].filter((v) => v !== o.result!.value);
  const out = ops.slice();
  out[i] = { ...o, result: { ok: true, value: rng.pick(choices) } };
  return out;
}

test('property: histories from a sequential execution are linearizable; mutated reads agree with brute force', () => {
  const seed = seedFromEnv();
  console.log(`linearizability property seed=${seed} (replay with SEED=${seed})`);
  const rng = new Prng(seed);
  let violations = 0;
  for (let round = 0; round < 400; round++) {
    const n = 2 + rng.int(7);
    const history = randomHistory(rng, n, 3, 'x', rng.chance(0.5));
    assert.equal(bruteForce(history), true, `seed=${seed} round=${round}: generator produced a bad history`);
    good(history);
    const mutated = mutateOneRead(rng, history);
    const expected = bruteForce(mutated);
    const actual = checkHistory(mutated).ok;
    assert.equal(actual, expected, `seed=${seed} round=${round}\n${JSON.stringify(mutated)}`);
    if (!expected) violations++;
  }
  assert.ok(violations > 50, `seed=${seed}: only ${violations} mutations were violations`);
});

test('large histories: 4 keys x 2000 ops with unknown outcomes check quickly', () => {
  const seed = seedFromEnv();
  console.log(`linearizability large seed=${seed} (replay with SEED=${seed})`);
  const rng = new Prng(seed);
  const ops = ['a', 'b', 'c', 'd'].flatMap((k) => randomHistory(rng, 2000, 8, k, k >= 'c'));
  const t0 = performance.now();
  const r = checkHistory(ops, { timeoutMs: 5000 });
  const ms = performance.now() - t0;
  console.log(`checked ${ops.length} ops in ${ms.toFixed(0)} ms`);
  assert.deepEqual(r, { ok: true, checked: ops.length });
  // Proving a violation may need an exhaustive search (exponential in concurrency, see the
  // limits in linearizability.ts): only require a bounded, non-crashing answer here.
  const broken = mutateOneRead(rng, ops);
  const t1 = performance.now();
  const r2 = checkHistory(broken, { timeoutMs: 1000 });
  console.log(`mutated: ${String(r2.ok)} in ${(performance.now() - t1).toFixed(0)} ms`);
  assert.ok(performance.now() - t1 < 3000);
});
