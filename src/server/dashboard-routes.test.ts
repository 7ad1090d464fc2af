import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { NodeStatus } from '../node/types.js';
import { index, nodeId } from '../raft/types.js';
import { FakeNode } from './testing/fake-node.js';
import { startTestServer } from './testing/http.js';
import type { MemberReport } from './dashboard-report.js';
import type { ClusterView } from './dashboard-cluster.js';

/** A peer that answers /ui/state with a canned report and counts how often it is asked. */
async function fakePeer(): Promise<{ address: string; asked: () => number; close(): Promise<void> }> {
  let asked = 0;
  const server = http.createServer((req, res) => {
    asked++;
    const status = { nodeId: 'peer', state: 'leader', term: 3, leaderId: 'peer', logLength: 9, firstIndex: 1, lastIndex: 9, commitIndex: 9, lastApplied: 9, snapshotIndex: 0,
      members: [{ id: 'node1', address: 'x', role: 'follower', match: 7, next: 8, lag: 2, lastHeardMsAgo: 12, reachable: true }] };
    const report = { at: Date.now(), bootId: 'b', status, requests: { reads: { count: 0, bins: [] }, writes: { count: 0, bins: [] } }, fsync: null };
    res.writeHead(req.url === '/ui/state' ? 200 : 404, { 'content-type': 'application/json' }).end(JSON.stringify(report));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { address: `127.0.0.1:${port}`, asked: () => asked, close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }) };
}

class TwoMemberNode extends FakeNode {
  constructor(private readonly peerAddress: string) {
    super('node1');
    this.follow('peer', peerAddress);
  }
  override status(): NodeStatus {
    const s = super.status();
    return { ...s, members: [{ id: this.id, address: '127.0.0.1:1', role: 'follower' }, { id: nodeId('peer'), address: this.peerAddress, role: 'leader' }] };
  }
}

/** Reads SSE frames from GET /ui/events until `count` frames have arrived. */
async function readEvents(url: string, count: number): Promise<Array<{ event: string; data: any }>> {
  const ac = new AbortController();
  const res = await fetch(`${url}/ui/events`, { signal: ac.signal });
  assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
  const frames: Array<{ event: string; data: any }> = [];
  let buffer = '';
  const decoder = new TextDecoder();
  for await (const chunk of res.body!) {
    buffer += decoder.decode(chunk as Uint8Array, { stream: true });
    let end;
    while ((end = buffer.indexOf('\n\n')) !== -1) {
      const frame = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const event = /^event: (.*)$/m.exec(frame)?.[1] ?? '';
      const data = /^data: (.*)$/m.exec(frame)?.[1];
      if (data !== undefined) frames.push({ event, data: JSON.parse(data) });
    }
    if (frames.length >= count) break;
  }
  ac.abort();
  return frames;
}

test('the page, its script, and a node report are served', async (t) => {
  const ts = await startTestServer(new FakeNode('node1'));
  t.after(() => ts.close());
  const page = await fetch(`${ts.url}/`);
  assert.match(await page.text(), /<script type="module" src="\/ui\/app.js">/);
  const script = await fetch(`${ts.url}/ui/app.js`);
  assert.match(script.headers.get('content-type') ?? '', /javascript/);
  const body = await script.text();
  assert.match(body, /new EventSource\('\/ui\/events'\)/);
  assert.doesNotMatch(body, /^import /m, 'the browser script imports nothing');
  const report = (await (await fetch(`${ts.url}/ui/state`)).json()) as MemberReport;
  assert.equal(report.status.nodeId, 'node1');
  assert.equal((await fetch(`${ts.url}/ui/control`, { method: 'POST' })).status, 404, 'no controls without a supervisor');
  assert.equal((await fetch(`${ts.url}/ui/nothing`)).status, 404);
});

test('events carry the view of every member, and peers are asked only while someone watches', async (t) => {
  const peer = await fakePeer();
  const ts = await startTestServer(new TwoMemberNode(peer.address));
  t.after(async () => {
    await ts.close();
    await peer.close();
  });
  await new Promise((r) => setTimeout(r, 600));
  assert.equal(peer.asked(), 0, 'nobody watches: nobody is asked');

  const frames = await readEvents(ts.url, 3);
  assert.equal(frames[0]!.event, 'hello');
  assert.equal(frames[0]!.data.nodeId, 'node1');
  assert.equal(frames[0]!.data.controls, false);
  const view = frames[2]!.data as ClusterView;
  assert.equal(frames[2]!.event, 'view');
  assert.equal(view.leaderId, 'peer');
  const [self, other] = view.members;
  assert.equal(self!.self, true);
  assert.equal(self!.lag, 2, "the leader's view of replication");
  assert.equal(self!.lastHeardMsAgo, 12);
  assert.equal(other!.reachable, true);
  assert.equal(other!.role, 'leader');
  assert.equal(other!.commitIndex, 9);

  // The browser left: the loop stops within a push or two.
  await new Promise((r) => setTimeout(r, 1000));
  const askedAfterLeaving = peer.asked();
  await new Promise((r) => setTimeout(r, 1000));
  assert.equal(peer.asked(), askedAfterLeaving);

  // An unreachable peer keeps its last known values, marked unreachable; this node keeps pushing.
  await peer.close();
  const later = (await readEvents(ts.url, 3))[2]!.data as ClusterView;
  assert.equal(later.members[1]!.reachable, false);
  assert.equal(later.members[1]!.role, 'unknown');
  assert.equal(later.members[1]!.commitIndex, 9);
  assert.equal(index(later.members[0]!.commitIndex ?? -1), index(0));
});

test('open event streams end when the server stops, so they do not hold a graceful stop up', async () => {
  const ts = await startTestServer(new FakeNode('node1'));
  const res = await fetch(`${ts.url}/ui/events`);
  const started = Date.now();
  const closed = new Promise<void>((resolve) => ts.server.close(() => resolve()));
  await res.text(); // resolves when the server ends the stream
  assert.ok(Date.now() - started < 2_000, `took ${Date.now() - started} ms`);
  assert.equal(ts.server.inFlightRequests(), 0);
  ts.server.closeAllConnections(); // what serve.ts does once nothing is in flight
  await closed;
});
