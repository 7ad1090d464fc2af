import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { MessageType, index, term } from '../raft/types.js';
import type { NodeId } from '../raft/types.js';
import { startCluster, stopAll, waitFor } from './socket-test-support.js';
import type { TestNode } from './socket-test-support.js';
import { msg, snapshot } from './test-support.js';

const nodesToStop: TestNode[][] = [];
after(async () => { for (const n of nodesToStop) await stopAll(n); });

describe('snapshot streaming', () => {
  it('streams a 50 MB MsgSnap in chunks while heartbeats keep flowing', async () => {
    const statuses: Array<[NodeId, string]> = [];
    const nodes = await startCluster(['a', 'b'], {}, { onSnapshotStatus: (id, s) => statuses.push([id, s]) });
    nodesToStop.push(nodes);
    const [a, b] = nodes as [TestNode, TestNode];
    await waitFor(() => a.transport?.stats()[0]?.connected === true, 3000, 'connection');

    const data = new Uint8Array(50 * 2 ** 20);
    for (let i = 0; i < data.length; i += 4096) data[i] = (i / 4096) & 0xff;
    data[data.length - 1] = 0x5a;
    const digest = createHash('sha256').update(data).digest('hex');
    const start = performance.now();
    a.transport?.send(msg({ type: MessageType.MsgSnap, from: a.id, to: b.id, term: term(4),
      snapshot: snapshot(1_000_000, 4, ['a', 'b', 'c'], data) }));
    // Heartbeats sent while the snapshot is on the wire must not wait for all of it.
    let beats = 0;
    let maxLoopLagMs = 0;
    let last = performance.now();
    while (!b.received.some((m) => m.type === MessageType.MsgSnap)) {
      a.transport?.send(msg({ type: MessageType.MsgHeartbeat, from: a.id, to: b.id, commit: index(++beats) }));
      await new Promise((r) => setTimeout(r, 2));
      const now = performance.now();
      maxLoopLagMs = Math.max(maxLoopLagMs, now - last - 2);
      last = now;
      if (now - start > 8000) assert.fail('snapshot not delivered within 8 s');
    }
    const ms = performance.now() - start;
    const snapAt = b.received.findIndex((m) => m.type === MessageType.MsgSnap);
    const got = b.received[snapAt];
    assert.ok(got?.snapshot);
    assert.equal(got.snapshot.data.length, data.length);
    assert.equal(createHash('sha256').update(got.snapshot.data).digest('hex'), digest);
    assert.deepEqual(got.snapshot.meta, { index: 1_000_000, term: 4, conf: { voters: ['a', 'b', 'c'] } });
    assert.equal(got.term, 4);
    const heartbeatsBefore = b.received.slice(0, snapAt).filter((m) => m.type === MessageType.MsgHeartbeat).length;
    console.log(`# 50 MiB snapshot in ${ms.toFixed(0)} ms (${(50 / (ms / 1000)).toFixed(0)} MiB/s); ` +
      `${heartbeatsBefore} of ${beats} heartbeats arrived before it; max event-loop lag ${maxLoopLagMs.toFixed(1)} ms`);
    assert.ok(heartbeatsBefore > 0, 'heartbeats interleaved with the snapshot chunks');
    await waitFor(() => statuses.length === 1, 2000, 'snapshot status');
    assert.deepEqual(statuses, [[b.id, 'finished']]);
    // Heartbeat order is preserved around the snapshot.
    const commits = b.received.filter((m) => m.type === MessageType.MsgHeartbeat).map((m) => m.commit);
    assert.deepEqual(commits, [...commits].sort((x, y) => x - y));
  });

  it('delivers empty and small snapshots; a newer snapshot supersedes one not yet started', async () => {
    const nodes = await startCluster(['a', 'b'], { snapshotChunkBytes: 1000 });
    nodesToStop.push(nodes);
    const [a, b] = nodes as [TestNode, TestNode];
    const snap = (i: number, bytes: number) =>
      msg({ type: MessageType.MsgSnap, from: a.id, to: b.id, snapshot: snapshot(i, 1, ['a'], new Uint8Array(bytes).fill(3)) });
    // Not connected yet: the second replaces the first, which counts as a drop.
    a.transport?.send(snap(4, 10));
    a.transport?.send(snap(5, 0));
    assert.equal(a.transport?.stats()[0]?.drops, 1);
    await waitFor(() => b.received.length === 1, 3000, 'empty snapshot');
    a.transport?.send(snap(6, 2500));
    await waitFor(() => b.received.length === 2, 3000, 'small snapshot');
    assert.deepEqual(b.received.map((m) => [m.snapshot?.meta.index, m.snapshot?.data.length]), [[5, 0], [6, 2500]]);
  });
});
