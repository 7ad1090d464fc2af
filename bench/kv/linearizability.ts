// How long the checker takes on histories shaped like the simulator's: one hot key, many
// clients, 10% of writes without an answer. Run: node dist/bench/kv/linearizability.js
import type { Operation } from '../../src/verify/history.js';
import { checkHistory } from '../../src/verify/linearizability.js';
import { Prng } from '../../src/verify/prng.js';

// Ops take effect 10 time units apart; each interval stretches up to `spread` either side
// of that point, so about spread/10 ops overlap any one.
function history(rng: Prng, n: number, spread: number): Operation[] {
  const ops: Operation[] = [];
  let value: string | null = null;
  for (let i = 0; i < n; i++) {
    const at = i * 10 + 5;
    const client = i;
    const call = Math.max(0, at - rng.int(spread));
    const ret = at + rng.int(spread);
    const base = { id: i + 1, client, key: 'hot', call } as const;
    const v = `v${i}`;
    if (rng.chance(0.5)) {
      if (rng.chance(0.1)) {
        if (rng.chance(0.5)) value = v;
        ops.push({ ...base, kind: 'put', value: v, ret: null });
        continue;
      }
      value = v;
      ops.push({ ...base, kind: 'put', value: v, ret, result: { ok: true } });
    } else {
      ops.push({ ...base, kind: 'get', ret, result: { ok: true, value } });
    }
  }
  return ops;
}

for (const [n, spread] of [[1000, 30], [5000, 30], [5000, 100], [20000, 50]] as const) {
  const rng = new Prng(n + spread);
  const ops = history(rng, n, spread);
  let t0 = performance.now();
  const r = checkHistory(ops, { timeoutMs: 30_000 });
  const okMs = performance.now() - t0;
  // Break one late read: the search must explore before it can prove there is no order.
  const reads = ops.filter((o) => o.kind === 'get' && o.id > n * 0.9);
  const victim = reads[rng.int(reads.length)]!;
  const broken = ops.map((o) => (o === victim ? { ...o, result: { ok: true, value: 'never-written' } } : o));
  t0 = performance.now();
  const r2 = checkHistory(broken, { timeoutMs: 30_000 });
  console.log(`${n} ops on one key, ~${spread / 10} overlapping, 5% unanswered: ${String(r.ok)} in ${okMs.toFixed(0)} ms; one bad read: ${String(r2.ok)} in ${(performance.now() - t0).toFixed(0)} ms`);
}
