// Issue 3's end-to-end check: a follower that was down while the leader compacted its log
// catches up through InstallSnapshot, on real processes and real disks.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { Cluster, debug, eventually, request } from './harness.js';

let cluster: Cluster | undefined;
after(async () => {
  await cluster?.cleanup();
});

test('a follower down during compaction catches up through InstallSnapshot', async () => {
  cluster = await Cluster.create({ size: 3, args: ['--snapshot-entries', '50'] });
  cluster.startAll();
  const leader = await cluster.waitForLeader();
  const lagging = cluster.nodes.find((n) => n !== leader)!;
  await request(leader, 'PUT', '/kv/before', { value: 'down' });
  await lagging.kill();
  const lastSeen = (await Promise.all(cluster.nodes.filter((n) => n.running).map(debug)))[0]!.commitIndex;

  // Enough writes for several snapshots: the entries the lagging node needs are compacted away.
  for (let i = 0; i < 300; i++) {
    const r = await request(leader, 'PUT', `/kv/k${i % 40}`, { value: `v${i}` });
    assert.equal(r.status, 200, JSON.stringify(r.json));
  }
  const ld = (await debug(leader)) as unknown as { firstIndex: number; snapshotIndex: number; commitIndex: number };
  assert.ok(ld.snapshotIndex > lastSeen, `leader snapshot ${ld.snapshotIndex} should cover past ${lastSeen}`);
  assert.ok(ld.firstIndex > lastSeen + 1, `leader log starts at ${ld.firstIndex}: the follower's next entry is gone`);

  lagging.start();
  const caught = await eventually('lagging follower catches up', async () => {
    const [f, l] = await Promise.all([debug(lagging), debug(leader)]);
    return f.lastApplied >= l.commitIndex && f.lastApplied > ld.commitIndex - 1 ? f : undefined;
  }, 20_000);
  const snapIndex = (caught as unknown as { snapshotIndex: number }).snapshotIndex;
  assert.ok(snapIndex > lastSeen, `the follower installed a snapshot (its snapshot index is ${snapIndex})`);
  for (let i = 260; i < 300; i++) {
    const r = await request(lagging, 'GET', `/kv/k${i % 40}?consistency=serializable`);
    assert.equal(r.json.value, `v${i}`);
  }
  assert.equal((await request(lagging, 'GET', '/kv/before?consistency=serializable')).json.value, 'down');
});
