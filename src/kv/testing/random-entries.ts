// Seeded random command streams for the state-machine, snapshot and determinism tests
// (and for the simulator, if it wants a realistic mix of CAS, deletes and retries).
import { Prng } from '../../verify/prng.js';
import { encodeCommand } from '../codec.js';
import type { KvCommand } from '../command.js';

/** A random workload over few keys so that CAS and deletes often hit. */
export function randomEntries(seed: number, n: number): Uint8Array[] {
  const rng = new Prng(seed);
  const out: Uint8Array[] = [];
  let time = 1_000_000;
  for (let i = 0; i < n; i++) {
    if (rng.chance(0.05)) {
      out.push(new Uint8Array());
      continue;
    }
    time += rng.int(3000) - 500;
    const key = `k${rng.int(30)}`;
    const meta: Record<string, unknown> = { time: Math.max(0, time) };
    if (rng.chance(0.2)) meta['prevValue'] = `v${rng.int(10)}`;
    if (rng.chance(0.2)) meta['prevRevision'] = rng.int(i + 1);
    if (rng.chance(0.4)) meta['idempotencyKey'] = `r${rng.int(200)}`;
    const cmd = rng.chance(0.75) ? { op: 'put', key, value: `v${rng.int(10)}`, ...meta } : { op: 'del', key, ...meta };
    out.push(encodeCommand(cmd as KvCommand));
  }
  return out;
}

