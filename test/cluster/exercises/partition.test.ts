// Exercise 3, network partition with five nodes, each in its own network namespace
// (test/cluster/netns.ts): the links between the two sides drop every packet, while the
// test process still reaches every node through the bridge.
//  a) two followers cut off from the other three: the majority keeps committing; the
//     minority neither commits nor answers linearizable reads with stale data; after the
//     heal the minority catches up and all five agree.
//  b) the leader cut off alone: the other four elect a new leader and commit; the old
//     leader answers nothing stale; after the heal it rejoins as a follower.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { debug, request, type ClusterNode } from '../harness.js';
import { createNetnsCluster, dumpLocal, leaderAmong, netnsUnavailableReason, putAcked, waitConverged, type NetnsCluster } from './support.js';

const skip = netnsUnavailableReason();
if (skip) console.log(`partition exercise skipped: ${skip}`);

/** What a node on the cut-off side answers: anything but a 200, or no answer at all. */
async function answerOnMinority(n: ClusterNode, method: string, path: string, body?: unknown): Promise<string> {
  try {
    const r = await request(n, method, path, body, 3000);
    return r.status === 200 ? `200 ${JSON.stringify(r.json)}` : `${r.status} ${r.json?.code ?? ''}`;
  } catch (err) {
    return `no answer (${(err as Error).name})`;
  }
}

describe('exercise 3: network partitions with five nodes in network namespaces', { skip: skip ?? false }, () => {
  let env: NetnsCluster;
  const acked = new Map<string, string>();

  before(async () => {
    env = await createNetnsCluster(5, { args: ['--request-timeout-ms', '2000'] });
    env.cluster.startAll();
    const leader = await env.cluster.waitForLeader(20_000);
    for (let i = 0; i < 10; i++) {
      await putAcked(leader, `k${i}`, 'before');
      acked.set(`k${i}`, 'before');
    }
    await waitConverged(env.cluster.nodes);
  });
  after(async () => {
    await env?.cleanup();
  });

  const indexOf = (n: ClusterNode): number => env.cluster.nodes.indexOf(n);

  test('two followers cut off: majority commits, minority refuses, all agree after the heal', async () => {
    const { cluster, lab } = env;
    const leader = await cluster.waitForLeader();
    const followers = cluster.nodes.filter((n) => n !== leader);
    const minority = followers.slice(0, 2);
    const majority = cluster.nodes.filter((n) => !minority.includes(n));
    await lab.partition([majority.map(indexOf), minority.map(indexOf)]);
    console.log(`partition a: majority ${majority.map((n) => n.spec.id)} | minority ${minority.map((n) => n.spec.id)} (${lab.describe()})`);

    // The majority keeps committing, through any of its nodes.
    for (let i = 0; i < 10; i++) {
      await putAcked(majority[i % 3]!, `k${i}`, 'during');
      acked.set(`k${i}`, 'during');
    }
    // The minority: no write commits, no linearizable read returns the old value.
    for (const n of minority) {
      const put = await answerOnMinority(n, 'PUT', '/kv/minority-write', { value: n.spec.id });
      assert.ok(!put.startsWith('200'), `${n.spec.id} acknowledged a write on the minority side: ${put}`);
      const get = await answerOnMinority(n, 'GET', '/kv/k0');
      assert.ok(!get.startsWith('200'), `${n.spec.id} answered a linearizable read on the minority side: ${get}`);
      const stale = await request(n, 'GET', '/kv/k0?consistency=serializable', undefined, 3000);
      console.log(`${n.spec.id} (minority): PUT -> ${put}; linearizable GET -> ${get}; serializable GET -> ${stale.status} ${stale.json?.value} (stale allowed)`);
    }
    const majorityCommit = (await debug(leader)).commitIndex;
    for (const n of minority) assert.ok((await debug(n)).commitIndex < majorityCommit, `${n.spec.id} commit index moved past the cut`);

    await lab.heal();
    await waitConverged(cluster.nodes, 20_000);
    const dumps = await Promise.all(cluster.nodes.map((n) => dumpLocal(n)));
    for (const d of dumps.slice(1)) assert.deepEqual(d, dumps[0], 'all five agree');
    const got = new Map(dumps[0]!.map((kv) => [kv.key, kv.value]));
    for (const [k, v] of acked) assert.equal(got.get(k), v, `acknowledged ${k}`);
    console.log(`partition a healed: all five at the same applied index with ${dumps[0]!.length} keys; minority-write present: ${got.has('minority-write')}`);
  });

  test('the leader cut off alone: the other four elect a new leader and commit; the old leader rejoins as follower', async () => {
    const { cluster, lab } = env;
    const oldLeader = await cluster.waitForLeader();
    const others = cluster.nodes.filter((n) => n !== oldLeader);
    await lab.isolate(indexOf(oldLeader));
    const cutAt = performance.now();
    console.log(`partition b: ${oldLeader.spec.id} (leader) alone | ${others.map((n) => n.spec.id)}`);

    await putAcked(others[0]!, 'after-leader-cut', '1', 20_000);
    console.log(`partition b: first write acknowledged by the majority ${(performance.now() - cutAt).toFixed(0)} ms after the cut`);
    acked.set('after-leader-cut', '1');
    const newLeader = await leaderAmong(others);
    assert.notEqual(newLeader, oldLeader);
    for (let i = 0; i < 5; i++) {
      await putAcked(others[i % 4]!, `k${i}`, 'leader-cut');
      acked.set(`k${i}`, 'leader-cut');
    }
    const put = await answerOnMinority(oldLeader, 'PUT', '/kv/old-leader-write', { value: 'x' });
    assert.ok(!put.startsWith('200'), `the cut-off old leader acknowledged a write: ${put}`);
    const get = await answerOnMinority(oldLeader, 'GET', '/kv/k0');
    assert.ok(!get.startsWith('200'), `the cut-off old leader answered a linearizable read: ${get}`);
    const view = await debug(oldLeader);
    console.log(`${oldLeader.spec.id} (cut-off old leader): PUT -> ${put}; linearizable GET -> ${get}; state ${view.state}, term ${view.term}`);

    await lab.heal();
    await waitConverged(cluster.nodes, 20_000);
    const back = await debug(oldLeader);
    assert.equal(back.state, 'follower');
    const dumps = await Promise.all(cluster.nodes.map((n) => dumpLocal(n)));
    for (const d of dumps.slice(1)) assert.deepEqual(d, dumps[0], 'all five agree');
    const got = new Map(dumps[0]!.map((kv) => [kv.key, kv.value]));
    for (const [k, v] of acked) assert.equal(got.get(k), v, `acknowledged ${k}`);
    console.log(`partition b healed: ${oldLeader.spec.id} is a follower of ${back.leaderId}; old-leader-write present: ${got.has('old-leader-write')}`);
  });
});
