// Runs the fixed sim suite (test/sim/suite.ts, in npm test's order) against whatever core
// sits next to it and stops at the first failing seed. It is copied into the mutant's
// throw-away dist tree by run-mutants.mjs, so '../simulation.js' is the mutated build.
// Usage: node hunt.mjs [--limit N] [--stragglers]   (prints one JSON line on stdout)
import { runSeed } from '../simulation.js';
import { suiteSeeds } from '../suite.js';

/** The failure's first line; for a linearizability report, plus the op no order explains. */
function oneLine(message) {
  const lines = message.split('\n').map((l) => l.trim());
  const stuck = lines.findIndex((l) => l.startsWith('no order of the ops'));
  return stuck >= 0 && lines[stuck + 1] ? `${lines[0]} stuck op: ${lines[stuck + 1]}` : (lines[0] ?? '');
}

const at = process.argv.indexOf('--limit');
const limit = at >= 0 ? Number(process.argv[at + 1]) : Infinity;
// Stragglers follow the suite's own groups; --stragglers forces them on everywhere.
const forceStragglers = process.argv.includes('--stragglers');
const started = Date.now();
let position = 0;
let result = null;
for (const { seed, nodes, stragglers: suiteStragglers, shortLivedLeaders } of suiteSeeds()) {
  const stragglers = forceStragglers || suiteStragglers;
  if (position >= limit) break;
  position++;
  const r = runSeed(seed, { nodes, stragglers, shortLivedLeaders });
  if (!r.ok) {
    result = {
      ok: false,
      seed,
      nodes,
      position,
      kind: r.kind,
      reason: oneLine(r.message),
      atTick: Number(r.atTick.toFixed(2)),
      replay: `node dist/test/sim/run.js --seed ${seed} --nodes ${nodes}${stragglers ? ' --stragglers' : ''}${shortLivedLeaders ? ' --short-lived-leaders' : ''}`,
    };
    break;
  }
}
result ??= { ok: true, seeds: position };
result.seconds = Number(((Date.now() - started) / 1000).toFixed(1));
console.log(JSON.stringify(result));
