// The fixed seed suite that `npm test` runs (sim.test.ts), in its own order. Kept in one
// place so that tools replaying "the suite" (test/sim/mutants) cannot drift from it.

export interface SuiteGroup {
  readonly nodes: 3 | 5 | 7;
  readonly firstSeed: number;
  readonly seeds: number;
  /** Hold a few messages for several election timeouts (stale votes and acks arrive late). */
  readonly stragglers: boolean;
  /** Some new leaders crash within half an election timeout (Figure 8 logs, options.ts). */
  readonly shortLivedLeaders: boolean;
}

export const SUITE_GROUPS: readonly SuiteGroup[] = [
  { nodes: 3, firstSeed: 1, seeds: 700, stragglers: true, shortLivedLeaders: true },
  { nodes: 5, firstSeed: 100_001, seeds: 700, stragglers: true, shortLivedLeaders: true },
  { nodes: 7, firstSeed: 200_001, seeds: 600, stragglers: false, shortLivedLeaders: true },
];

/** Seeds per node:test test case (a chunk reports its own stats). */
export const SUITE_CHUNK = 175;

/** Every (seed, nodes) of the suite in the order sim.test.ts runs them. */
export function* suiteSeeds(): Generator<{ readonly seed: number; readonly nodes: 3 | 5 | 7; readonly stragglers: boolean; readonly shortLivedLeaders: boolean }> {
  for (const g of SUITE_GROUPS) {
    for (let seed = g.firstSeed; seed < g.firstSeed + g.seeds; seed++) yield { seed, nodes: g.nodes, stragglers: g.stragglers, shortLivedLeaders: g.shortLivedLeaders };
  }
}
