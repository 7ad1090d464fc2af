// Commitment (§5.4.2): only entries of the leader's own term are committed by counting
// replicas; earlier ones ride along. The leader's no-op makes that happen without a client.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Cluster, TestNode, config } from './testing/harness.js';
import { entriesWithTerms } from './testing/builders.js';
import { index, nodeId, term } from './types.js';

const plain = { preVote: false, checkQuorum: false };

function restore(c: Cluster, id: string, terms: number[], t: number, commit: number, extra = {}): void {
  const voters = [...c.nodes.keys()];
  c.nodes.set(
    nodeId(id),
    new TestNode(nodeId(id), config(id, voters, { ...plain, ...extra }), {
      hardState: { term: term(t), vote: nodeId(''), commit: index(commit) },
      snapshot: null,
      entries: entriesWithTerms(terms),
    }),
  );
}

test('§5.4.2 (Figure 8) a leader never commits an entry of an earlier term by counting replicas', () => {
  // a holds entry 2 of term 2 that its old leadership never committed; b and c lack it.
  const c = new Cluster(['a', 'b', 'c'], plain);
  const oneEntryPerMsg = { maxMsgBytes: 1 };
  restore(c, 'a', [1, 2], 2, 1, oneEntryPerMsg);
  restore(c, 'b', [1], 2, 1);
  restore(c, 'c', [1], 2, 1);
  c.get('a').node.campaign(); // term 3, no-op at index 3
  let sawMajorityOn2 = false;
  for (let step = 0; step < 200; step++) {
    c.processReady();
    const m = c.inflight.shift();
    if (!m) break;
    c.deliver(m);
    const st = c.get('a').node.status();
    if (st.role !== 'leader') continue;
    const holders2 = 1 + [...st.progress.values()].filter((p) => p.match >= 2).length;
    if (holders2 >= 2 && st.commit < 3) {
      sawMajorityOn2 = true;
      assert.equal(st.commit, 1, 'entry 2 (term 2) is on a majority but must not be committed by a term-3 leader');
    }
  }
  assert.ok(sawMajorityOn2, 'the scenario reached "entry 2 on a majority, entry 3 not yet"');
  assert.equal(c.get('a').node.status().commit, 3, 'entry 2 commits together with the term-3 no-op');
});

test('§5.4.2 / 6.4 a new leader appends a no-op of its term, which commits earlier-term entries without any client', () => {
  const c = new Cluster(['a', 'b', 'c'], plain);
  restore(c, 'a', [1, 1], 1, 1);
  restore(c, 'b', [1], 1, 1);
  restore(c, 'c', [1], 1, 1);
  c.elect('a');
  const first = c.readies.find((r) => r.id === 'a' && r.ready.entries.length > 0)!.ready;
  assert.deepEqual(first.entries.map((e) => [e.index, e.term, e.data.length]), [[3, 2, 0]], 'an empty entry of the new term');
  c.tick('a'); // a follower that caught up after the commit learns it from the next heartbeat
  c.stabilize();
  for (const id of ['a', 'b', 'c']) {
    assert.equal(c.get(id).node.status().commit, 3, `${id}: entry 2 of term 1 committed via the no-op`);
    // Applied is not persisted: a restarted node re-applies from its snapshot (here: from 1).
    assert.deepEqual(c.get(id).applied.map((e) => e.index), [1, 2, 3]);
  }
});
