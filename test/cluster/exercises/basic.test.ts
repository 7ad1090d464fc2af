// Exercise 1, basic operations: three nodes elect a leader; a SET through one node reads
// back with the same value from every node, linearizably at once and serializably once each
// replica has applied it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Cluster, debug, eventually, request, type ClusterNode } from '../harness.js';

describe('exercise 1: basic operations on three nodes', () => {
  let cluster: Cluster;
  let leader: ClusterNode;

  before(async () => {
    cluster = await Cluster.create({ size: 3 });
    cluster.startAll();
    leader = await cluster.waitForLeader();
  });
  after(async () => {
    await cluster?.cleanup();
  });

  test('exactly one leader, and every node names it', async () => {
    const views = await Promise.all(cluster.nodes.map((n) => debug(n)));
    assert.equal(views.filter((v) => v.state === 'leader').length, 1);
    for (const v of views) assert.equal(v.leaderId, leader.spec.id);
    assert.equal(new Set(views.map((v) => v.term)).size, 1, 'one term');
  });

  test('a SET through each node reads back the same value from every node', async () => {
    for (const writer of cluster.nodes) {
      const key = `exercise1-${writer.spec.id}`;
      const value = `written through ${writer.spec.id}`;
      const put = await request(writer, 'POST', '/kv', { key, value });
      assert.equal(put.status, 200, JSON.stringify(put.json));
      for (const reader of cluster.nodes) {
        const lin = await request(reader, 'GET', `/kv/${key}`);
        assert.equal(lin.status, 200, `${reader.spec.id}: ${JSON.stringify(lin.json)}`);
        assert.equal(lin.json.value, value, `linearizable read on ${reader.spec.id}`);
        assert.equal(lin.json.revision, put.json.revision);
      }
      for (const reader of cluster.nodes) {
        const ser = await eventually(`${reader.spec.id} to apply ${key}`, async () => {
          const r = await request(reader, 'GET', `/kv/${key}?consistency=serializable`);
          return r.status === 200 ? r : null;
        });
        assert.equal(ser.json.value, value, `serializable read on ${reader.spec.id}`);
        assert.equal(ser.headers.get('x-raft-node'), reader.spec.id, 'answered locally, not forwarded');
      }
    }
  });
});
