// Runs the fixed sim suite (test/sim/suite.ts, in npm test's order) against whatever core
// sits next to it and stops at the first failing seed. It is copied into the mutant's
// throw-away dist tree by run-mutants.mjs, so '../simulation.js' is the mutated build.
// Usage: node hunt.mjs [--limit N]   (prints one JSON line on stdout)
import { runSeed } from '../simulation.js';
import { suiteSeeds } from '../suite.js';

const at = process.argv.indexOf('--limit');
const limit = at >= 0 ? Number(process.argv[at + 1]) : Infinity;
const started = Date.now();
let position = 0;
let result = null;
for (const { seed, nodes } of suiteSeeds()) {
  if (position >= limit) break;
  position++;
  const r = runSeed(seed, { nodes });
  if (!r.ok) {
    result = {
      ok: false,
      seed,
      nodes,
      position,
      kind: r.kind,
      reason: r.message.split('\n')[0],
      atTick: Number(r.atTick.toFixed(2)),
      replay: `node dist/test/sim/run.js --seed ${seed} --nodes ${nodes}`,
    };
    break;
  }
}
result ??= { ok: true, seeds: position };
result.seconds = Number(((Date.now() - started) / 1000).toFixed(1));
console.log(JSON.stringify(result));
