// The fixed simulator suite run by `npm test`: 2,000 seeds over 3, 5 and 7 nodes, each
// with its own swarm of fault knobs. A failure prints the seed, the failure class, the
// last events and the command that replays it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatFailure } from './report.js';
import { runSeed } from './simulation.js';
import { SUITE_CHUNK as CHUNK, SUITE_GROUPS as GROUPS } from './suite.js';

for (const g of GROUPS) {
  for (let from = g.firstSeed; from < g.firstSeed + g.seeds; from += CHUNK) {
    const to = Math.min(from + CHUNK, g.firstSeed + g.seeds) - 1;
    const knobs = [g.stragglers ? 'stragglers' : '', g.shortLivedLeaders ? 'short-lived leaders' : ''].filter(Boolean);
    test(`sim: ${g.nodes} nodes, seeds ${from}..${to}${knobs.map((k) => `, ${k}`).join('')}`, (t) => {
      let events = 0;
      let crashes = 0;
      let committed = 0;
      let ops = 0;
      for (let seed = from; seed <= to; seed++) {
        const over = { nodes: g.nodes, stragglers: g.stragglers, shortLivedLeaders: g.shortLivedLeaders };
        const r = runSeed(seed, over);
        if (!r.ok) assert.fail(formatFailure(r, over));
        events += r.stats.events;
        crashes += r.stats.crashes;
        committed += r.stats.committed;
        ops += r.stats.opsOk;
      }
      t.diagnostic(`${to - from + 1} seeds: ${events} events, ${crashes} crashes, ${committed} entries committed, ${ops} client ops answered`);
    });
  }
}
