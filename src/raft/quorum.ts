// Pure quorum arithmetic over a configuration (etcd quorum/majority.go). Counting over the
// voter set, never over "peers + 1", is what keeps even-sized and changing clusters right.
import type { Index, NodeId } from './types.js';

export function majority(voterCount: number): number {
  return Math.floor(voterCount / 2) + 1;
}

/** The largest index that a majority of voters have matched. Voters without an entry count as 0. */
export function committedIndex(voters: readonly NodeId[], matchOf: (id: NodeId) => Index | undefined): Index {
  if (voters.length === 0) return Number.MAX_SAFE_INTEGER as Index; // no voters: nothing restrains commit
  const matches = voters.map((id) => matchOf(id) ?? 0).sort((a, b) => b - a);
  // Sorted descending, the majority-th highest value is matched by at least a majority.
  return matches[majority(voters.length) - 1] as Index;
}

export type VoteResult = 'won' | 'lost' | 'pending';

/** Whether the granted/rejected votes so far decide an election. Votes of non-voters are ignored. */
export function voteResult(voters: readonly NodeId[], votes: ReadonlyMap<NodeId, boolean>): VoteResult {
  if (voters.length === 0) return 'won';
  let granted = 0;
  let missing = 0;
  for (const id of voters) {
    const v = votes.get(id);
    if (v === undefined) missing++;
    else if (v) granted++;
  }
  const q = majority(voters.length);
  if (granted >= q) return 'won';
  if (granted + missing >= q) return 'pending';
  return 'lost';
}

/** Whether the members in `acks` form a majority of `voters`. */
export function quorumReached(voters: readonly NodeId[], acks: ReadonlySet<NodeId>): boolean {
  let n = 0;
  for (const id of voters) if (acks.has(id)) n++;
  return n >= majority(voters.length);
}
