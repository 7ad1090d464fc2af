// Exercise 2, leader failover: write, kill -9 the leader, a new leader is elected and writes
// continue; the old leader restarts on its data directory, rejoins as a follower and catches
// up. Prints the time from the kill to the first acknowledged write, for several rounds.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Cluster, debug, request, type ClusterNode } from '../harness.js';
import { dumpLocal, putAcked, startAndWait, waitConverged } from './support.js';

const ROUNDS = 3;

describe('exercise 2: leader failover on three nodes', () => {
  let cluster: Cluster;

  before(async () => {
    cluster = await Cluster.create({ size: 3 });
    cluster.startAll();
    await cluster.waitForLeader();
  });
  after(async () => {
    await cluster?.cleanup();
  });

  test(`kill -9 the leader ${ROUNDS} times: writes continue, the old leader catches up`, async () => {
    const acked = new Map<string, string>();
    const failoverMs: number[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const leader = await cluster.waitForLeader();
      for (let i = 0; i < 10; i++) {
        const key = `r${round}-before-${i}`;
        await putAcked(leader, key, `v${i}`);
        acked.set(key, `v${i}`);
      }
      const survivors = cluster.nodes.filter((n) => n !== leader);

      const killedAt = performance.now();
      await leader.kill();
      // Keep writing through a survivor (it forwards to whichever leader exists) until one is acknowledged.
      const firstKey = `r${round}-first-after-kill`;
      await putAcked(survivors[0]!, firstKey, 'x', 20_000);
      const ms = performance.now() - killedAt;
      failoverMs.push(ms);
      acked.set(firstKey, 'x');

      const newLeader = await cluster.waitForLeader(15_000, survivors);
      assert.notEqual(newLeader, leader);
      console.log(`round ${round}: killed leader ${leader.spec.id}; new leader ${newLeader.spec.id}; kill -> first acknowledged write: ${ms.toFixed(0)} ms`);

      for (let i = 0; i < 10; i++) {
        const key = `r${round}-after-${i}`;
        await putAcked(survivors[i % 2]!, key, `w${i}`);
        acked.set(key, `w${i}`);
      }

      // The old leader restarts on its data directory and rejoins as a follower.
      await startAndWait(leader);
      const index = await waitConverged(cluster.nodes);
      const back = await debug(leader);
      assert.equal(back.state, 'follower', `${leader.spec.id} rejoined as ${back.state}`);
      assert.equal(back.leaderId, newLeader.spec.id);
      assert.equal(back.lastApplied, index);
      const dumps = await Promise.all(cluster.nodes.map((n) => dumpLocal(n)));
      for (const d of dumps.slice(1)) assert.deepEqual(d, dumps[0], 'every replica holds the same data');
      const got = new Map(dumps[0]!.map((kv) => [kv.key, kv.value]));
      for (const [k, v] of acked) assert.equal(got.get(k), v, `acknowledged write ${k}`);
      // And linearizable reads through the restarted node see the latest write.
      const r = await request(leader, 'GET', `/kv/r${round}-after-9`);
      assert.equal(r.json.value, 'w9');
    }
    const sorted = [...failoverMs].sort((a, b) => a - b);
    console.log(`failover (kill -9 leader -> first acknowledged write), ms: ${failoverMs.map((m) => m.toFixed(0)).join(', ')}; median ${sorted[Math.floor(sorted.length / 2)]!.toFixed(0)}`);
  });
});
