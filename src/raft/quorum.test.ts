// quorum.ts against naive definitions on random inputs (etcd quorum/quick_test.go).
// Replay a failure with SEED=<printed seed>.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { committedIndex, voteResult, type VoteResult } from './quorum.js';
import { nodeId, type Index, type NodeId } from './types.js';

function mulberry32(seed: number): (n: number) => number {
  let s = seed >>> 0;
  return (n) => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) % n);
  };
}

const seed = process.env.SEED !== undefined ? Number(process.env.SEED) : Date.now() % 2 ** 31;
console.log(`quorum.test seed=${seed}`);

/** The largest i such that more than half of the voters have match >= i. */
function naiveCommitted(voters: NodeId[], match: Map<NodeId, number>): number {
  const candidates = [0, ...voters.map((v) => match.get(v) ?? 0)];
  let best = 0;
  for (const i of candidates) {
    const holders = voters.filter((v) => (match.get(v) ?? 0) >= i).length;
    if (2 * holders > voters.length && i > best) best = i;
  }
  return best;
}

function naiveVote(voters: NodeId[], votes: Map<NodeId, boolean>): VoteResult {
  const yes = voters.filter((v) => votes.get(v) === true).length;
  const unknown = voters.filter((v) => !votes.has(v)).length;
  if (2 * yes > voters.length) return 'won';
  if (2 * (yes + unknown) > voters.length) return 'pending';
  return 'lost';
}

test(`quorum: committedIndex and voteResult agree with naive majority definitions (seed ${seed})`, () => {
  const rnd = mulberry32(seed);
  for (let iter = 0; iter < 3000; iter++) {
    const n = 1 + rnd(7);
    const voters = Array.from({ length: n }, (_, i) => nodeId(`n${i}`));
    const match = new Map<NodeId, number>();
    for (const v of voters) if (rnd(5) > 0) match.set(v, rnd(10));
    match.set(nodeId('outsider'), 100); // non-voters never count
    const got = committedIndex(voters, (id) => match.get(id) as Index | undefined);
    assert.equal(got, naiveCommitted(voters, match), `seed ${seed} iter ${iter}: committedIndex ${JSON.stringify([...match])}`);

    const votes = new Map<NodeId, boolean>();
    for (const v of voters) {
      const r = rnd(3);
      if (r < 2) votes.set(v, r === 0);
    }
    votes.set(nodeId('outsider'), true);
    assert.equal(voteResult(voters, votes), naiveVote(voters, votes), `seed ${seed} iter ${iter}: voteResult ${JSON.stringify([...votes])}`);
  }
});
