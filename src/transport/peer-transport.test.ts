import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MessageType, index, nodeId, term } from '../raft/types.js';
import type { Message, NodeId } from '../raft/types.js';
import { apiServer, attach, closeServer, listen, liveHandles, startCluster, stopAll, waitFor } from './socket-test-support.js';
import type { TestNode } from './socket-test-support.js';
import { entry, msg } from './test-support.js';

const app = (from: NodeId, to: NodeId, i: number): Message =>
  msg({ type: MessageType.MsgApp, from, to, term: term(3), index: index(i), entries: [entry(3, i + 1, `cmd-${i}`)] });

const everything: TestNode[][] = [];
after(async () => { for (const nodes of everything) await stopAll(nodes); });

describe('PeerTransport over real sockets', () => {
  it('two transports exchange messages both ways, in order', async () => {
    const nodes = await startCluster(['a', 'b']);
    everything.push(nodes);
    const [a, b] = nodes as [TestNode, TestNode];
    // Some before the connection is up (queued), most after, across many event-loop turns.
    for (let i = 0; i < 2000; i++) {
      a.transport?.send(app(a.id, b.id, i));
      b.transport?.send(app(b.id, a.id, i));
      if (i % 100 === 0) await new Promise((r) => setImmediate(r));
    }
    await waitFor(() => a.received.length === 2000 && b.received.length === 2000, 5000, 'all messages');
    assert.deepEqual(b.received.map((m) => m.index), Array.from({ length: 2000 }, (_, i) => i));
    assert.deepEqual(a.received.map((m) => m.index), Array.from({ length: 2000 }, (_, i) => i));
    assert.equal(new TextDecoder().decode(b.received[7]?.entries[0]?.data), 'cmd-7');
    const stats = a.transport?.stats()[0];
    assert.equal(stats?.connected, true);
    assert.equal(stats?.inboundConnected, true);
    assert.equal(stats?.messagesSent, 2000);
    assert.equal(stats?.messagesReceived, 2000);
    assert.equal(stats?.drops, 0);
  });

  it('three transports: every pair talks, per-sender order holds', async () => {
    const nodes = await startCluster(['n1', 'n2', 'n3']);
    everything.push(nodes);
    for (let i = 0; i < 300; i++) {
      for (const from of nodes) for (const to of nodes) if (from !== to) from.transport?.send(app(from.id, to.id, i));
    }
    await waitFor(() => nodes.every((n) => n.received.length === 600), 5000, 'all messages');
    for (const n of nodes) {
      for (const other of nodes) {
        if (other === n) continue;
        const got = n.received.filter((m) => m.from === other.id).map((m) => m.index);
        assert.deepEqual(got, Array.from({ length: 300 }, (_, i) => i), `${other.id} -> ${n.id}`);
      }
    }
  });

  it('a peer that comes up later receives what is sent after it is up', async () => {
    const [a] = await startCluster(['a']) as [TestNode];
    // Reserve a port for b, then free it: b is "down".
    const probe = apiServer();
    const bPort = await listen(probe);
    await closeServer(probe);
    const b: TestNode = { id: nodeId('b'), server: apiServer(), port: bPort, received: [], unreachable: [], transport: null };
    everything.push([a, b]);
    a.transport?.close();
    const ta = attach(a, new Map([[b.id, `127.0.0.1:${bPort}`]]));
    ta.send(app(a.id, b.id, 0));
    await waitFor(() => a.unreachable.includes(b.id), 2000, 'unreachable report');
    assert.equal(ta.stats()[0]?.connected, false);
    await listen(b.server, bPort);
    attach(b, new Map([[a.id, `127.0.0.1:${a.port}`]]));
    await waitFor(() => ta.stats()[0]?.connected === true, 3000, 'reconnect');
    ta.send(app(a.id, b.id, 1));
    await waitFor(() => b.received.some((m) => m.index === 1), 2000, 'message after reconnect');
  });

  it('the bounded queue drops the oldest and counts while a peer is down', async () => {
    const probe = apiServer();
    const deadPort = await listen(probe);
    await closeServer(probe);
    const [a] = await startCluster(['a']) as [TestNode];
    everything.push([a]);
    a.transport?.close();
    const t = attach(a, new Map([[nodeId('dead'), `127.0.0.1:${deadPort}`]]), { maxQueueMessages: 10 });
    t.send(msg({ type: MessageType.MsgVote, from: a.id, to: nodeId('dead'), index: index(999) }));
    for (let i = 0; i < 50; i++) t.send(app(a.id, nodeId('dead'), i));
    const s = t.stats()[0];
    assert.equal(s?.queueMessages, 10);
    assert.equal(s?.drops, 41);
    await waitFor(() => a.unreachable.length > 0, 1000, 'unreachable report');
  });

  it('close() leaves no open handles', async () => {
    const nodes = await startCluster(['x', 'y']);
    const [x, y] = nodes as [TestNode, TestNode];
    x.transport?.send(app(x.id, y.id, 0));
    await waitFor(() => y.received.length === 1, 2000, 'delivery');
    for (const ns of everything) await stopAll(ns);
    everything.length = 0;
    await stopAll(nodes);
    await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(liveHandles(), []);
  });
});
