import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { MessageType, index, nodeId, term } from '../raft/types.js';
import type { Message, NodeId } from '../raft/types.js';
import { FRAME_HEADER_BYTES, writeFrameHeader } from './framing.js';
import { PEER_PROTOCOL } from './handshake.js';
import { apiServer, attach, closeServer, listen, startCluster, stopAll, waitFor } from './socket-test-support.js';
import type { TestNode } from './socket-test-support.js';
import { entry, msg, seededRandom, testSeed } from './test-support.js';
import { messageFrameBytes, writeMessageFrame } from './wire.js';

const app = (from: NodeId, to: NodeId, i: number, data: Uint8Array | string = `cmd-${i}`): Message =>
  msg({ type: MessageType.MsgApp, from, to, term: term(3), index: index(i), entries: [entry(3, i + 1, data)] });

const cleanups: Array<() => Promise<void> | void> = [];
after(async () => { for (const c of cleanups.reverse()) await c(); });

function frameOf(m: Message): Buffer {
  const n = messageFrameBytes(m);
  const b = Buffer.allocUnsafe(n);
  writeMessageFrame(m, b, 0, n);
  return b;
}
function rawFrame(payload: Uint8Array): Buffer {
  const b = Buffer.alloc(FRAME_HEADER_BYTES + payload.length);
  writeFrameHeader(b, 0, payload.length);
  b.set(payload, FRAME_HEADER_BYTES);
  return b;
}

/** A hand-rolled peer: dials `port`, upgrades with the given headers, resolves with the socket after the 101. */
async function rawPeer(port: number, from: string, to: string): Promise<net.Socket> {
  const socket = net.connect(port, '127.0.0.1');
  cleanups.push(() => { socket.destroy(); });
  socket.on('error', () => {});
  await new Promise<void>((r) => socket.once('connect', () => r()));
  socket.write(`GET /raft/peer HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: ${PEER_PROTOCOL}\r\n` +
    `X-Raft-From: ${from}\r\nX-Raft-To: ${to}\r\n\r\n`);
  let got = '';
  await new Promise<void>((resolve, reject) => {
    const onData = (c: Buffer): void => {
      got += c.toString('latin1');
      if (got.includes('\r\n\r\n')) { socket.off('data', onData); resolve(); }
    };
    socket.on('data', onData);
    socket.once('close', () => reject(new Error(`closed during handshake: ${got}`)));
  });
  assert.match(got, /^HTTP\/1\.1 101 /);
  return socket;
}

function closedPromise(s: net.Socket): Promise<void> {
  return new Promise((r) => { if (s.destroyed) r(); else s.once('close', () => r()); });
}

describe('PeerTransport under faults', () => {
  it('a stalled peer does not delay delivery to another peer', async () => {
    // "stalled" accepts the upgrade and then never reads (what SIGSTOP would look like).
    const stalled = net.createServer((s) => {
      s.once('data', () => { s.write(`HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: ${PEER_PROTOCOL}\r\n\r\n`); s.pause(); });
      s.on('error', () => {});
    });
    await new Promise<void>((r) => stalled.listen(0, '127.0.0.1', () => r()));
    const stalledPort = (stalled.address() as AddressInfo).port;
    cleanups.push(() => new Promise<void>((r) => { stalled.close(() => r()); for (const c of openConns) c.destroy(); }));
    const openConns = new Set<net.Socket>();
    stalled.on('connection', (c) => { openConns.add(c); c.on('close', () => openConns.delete(c)); });

    const nodes = await startCluster(['a', 'b'], { maxQueueBytes: 8 * 2 ** 20 });
    cleanups.push(() => stopAll(nodes));
    const [a, b] = nodes as [TestNode, TestNode];
    const s = nodeId('s');
    a.transport?.addPeer(s, `127.0.0.1:${stalledPort}`);
    await waitFor(() => a.transport?.stats().every((x) => x.connected) === true, 3000, 'connections');
    const big = new Uint8Array(2 ** 20);
    const lat: number[] = [];
    const start = performance.now();
    for (let i = 0; i < 100; i++) {
      a.transport?.send(app(a.id, s, i, big));
      a.transport?.send(app(a.id, b.id, i));
      const t0 = performance.now();
      const want = i + 1;
      await waitFor(() => b.received.length >= want, 2000, `b's message ${i}`);
      lat.push(performance.now() - t0);
    }
    const elapsed = performance.now() - start;
    const st = a.transport?.stats().find((x) => x.id === s);
    assert.ok(st !== undefined && st.drops > 0, 'the stalled peer queue overflowed and dropped');
    assert.ok(st.queueBytes <= 8 * 2 ** 20);
    lat.sort((x, y) => x - y);
    console.log(`# 100 MiB offered to a stalled peer: ${st.drops} dropped; other peer p50 ${lat[50]?.toFixed(1)} ms, ` +
      `max ${lat[99]?.toFixed(1)} ms, total ${elapsed.toFixed(0)} ms`);
    assert.ok((lat[99] ?? Infinity) < 500, 'delivery to the healthy peer stayed prompt');
  });

  it('garbage frames are dropped and the stream survives; a foreign protocol is disconnected', async () => {
    const seed = testSeed('garbage frames');
    const rnd = seededRandom(seed);
    const nodes = await startCluster(['b']);
    cleanups.push(() => stopAll(nodes));
    const [b] = nodes as [TestNode];
    b.transport?.addPeer(nodeId('a'), '127.0.0.1:1');
    const sock = await rawPeer(b.port, 'a', 'b');
    const a = nodeId('a');
    const garbage = Array.from({ length: 20 }, () => {
      const g = Uint8Array.from({ length: 1 + Math.floor(rnd() * 200) }, () => Math.floor(rnd() * 256));
      g[0] = 1; // MESSAGE kind, garbage body
      return rawFrame(g);
    });
    const wrongSender = frameOf(app(nodeId('mallory'), b.id, 77));
    sock.write(Buffer.concat([frameOf(app(a, b.id, 1)), ...garbage, wrongSender, frameOf(app(a, b.id, 2))]));
    await waitFor(() => b.received.length === 2, 2000, 'valid frames around the garbage');
    assert.deepEqual(b.received.map((m) => m.index), [1, 2]);
    assert.equal(b.transport?.stats().find((x) => x.id === a)?.decodeErrors, 21);
    assert.equal(sock.destroyed, false);
    // An unknown frame kind: not our protocol any more.
    const closed = closedPromise(sock);
    sock.write(rawFrame(Uint8Array.of(9, 1, 2, 3)));
    await closed;

    // A header announcing a frame over the limit closes the connection too.
    const sock2 = await rawPeer(b.port, 'a', 'b');
    const closed2 = closedPromise(sock2);
    const header = Buffer.alloc(4);
    header.writeUInt32LE(0xffff_fff0);
    sock2.write(header);
    await closed2;
    assert.equal(b.received.length, 2);
  });

  it('bad upgrades get 400/403/404 and a closed socket', async () => {
    const nodes = await startCluster(['b']);
    cleanups.push(() => stopAll(nodes));
    const [b] = nodes as [TestNode];
    b.transport?.addPeer(nodeId('a'), '127.0.0.1:1');
    const good = { Connection: 'Upgrade', Upgrade: PEER_PROTOCOL, 'X-Raft-From': 'a', 'X-Raft-To': 'b' };
    const status = (path: string, headers: Record<string, string>): Promise<number> => new Promise((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: b.port, path, headers, agent: false });
      req.on('response', (res) => { res.resume(); resolve(res.statusCode ?? 0); });
      req.on('upgrade', (res, socket) => { socket.destroy(); resolve(res.statusCode ?? 0); });
      req.on('error', reject);
      req.end();
    });
    assert.equal(await status('/ws', good), 404);
    assert.equal(await status('/raft/peer', { ...good, Upgrade: 'websocket' }), 400);
    assert.equal(await status('/raft/peer', { Connection: 'Upgrade', Upgrade: PEER_PROTOCOL, 'X-Raft-To': 'b' }), 400);
    assert.equal(await status('/raft/peer', { ...good, 'X-Raft-To': 'c' }), 404);
    assert.equal(await status('/raft/peer', { ...good, 'X-Raft-From': 'mallory' }), 403);
    assert.equal(await status('/raft/peer', good), 101);
  });

  it('a dialled server that is not a raftkv node is retried, never crashes', async () => {
    const plain = apiServer(); // answers every request with 404 and has no upgrade handler
    const port = await listen(plain);
    cleanups.push(() => closeServer(plain));
    const nodes = await startCluster(['a']);
    cleanups.push(() => stopAll(nodes));
    const [a] = nodes as [TestNode];
    const t = attach(a, new Map([[nodeId('z'), `127.0.0.1:${port}`]]));
    cleanups.push(() => t.close());
    t.send(app(a.id, nodeId('z'), 1));
    await waitFor(() => a.unreachable.length > 0, 2000, 'unreachable');
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(t.stats()[0]?.connected, false);
  });
});
