// Linearizable reads without log writes: ReadIndex (dissertation 6.4).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Cluster } from './testing/harness.js';
import { MessageType } from './types.js';

const plain = { preVote: false, checkQuorum: false };
const enc = (s: string) => new TextEncoder().encode(s);

test('6.4 a read is released only after the leader committed an entry of its own term', () => {
  const c = new Cluster(['a', 'b', 'c'], plain);
  const a = c.get('a');
  a.node.campaign();
  for (let i = 0; i < 3; i++) {
    c.processReady();
    c.deliverWhere((m) => m.type === MessageType.MsgVote || m.type === MessageType.MsgVoteResp);
  }
  assert.equal(a.node.status().role, 'leader');
  c.processReady();
  const held = c.take((m) => m.type === MessageType.MsgApp); // the no-op does not reach anyone yet
  assert.ok(held.length > 0);
  assert.equal(a.node.readIndex(enc('r1')), true);
  // Heartbeats flow, quorum answers, but nothing of this term is committed.
  for (let i = 0; i < 5; i++) {
    c.tick('a');
    c.processReady();
    c.deliverWhere((m) => m.type === MessageType.MsgHeartbeat || m.type === MessageType.MsgHeartbeatResp);
    c.processReady();
    c.deliverWhere((m) => m.type === MessageType.MsgHeartbeat || m.type === MessageType.MsgHeartbeatResp);
    c.take((m) => m.type === MessageType.MsgApp);
  }
  assert.deepEqual(a.readStates, [], 'no read before the no-op commits');
  for (const m of held) c.deliver(m);
  c.stabilize();
  assert.equal(a.node.status().commit, 1);
  assert.deepEqual(a.readStates, [{ index: 1, context: 'r1' }]);
});

test('6.4 a read is released only after a heartbeat quorum answered (5 nodes: 2 others needed)', () => {
  const c = new Cluster(['a', 'b', 'c', 'd', 'e'], plain);
  c.elect('a');
  const a = c.get('a');
  a.node.readIndex(enc('r'));
  c.processReadyOf('a');
  const hbs = c.take((m) => m.type === MessageType.MsgHeartbeat);
  assert.equal(hbs.length, 4);
  const answer = (to: string) => {
    c.deliver(hbs.find((m) => m.to === to)!);
    c.processReadyOf(to);
    c.deliverWhere((m) => m.type === MessageType.MsgHeartbeatResp);
    c.processReadyOf('a');
  };
  answer('b');
  assert.deepEqual(a.readStates, [], 'leader + 1 is not a majority of 5');
  answer('c');
  assert.deepEqual(a.readStates, [{ index: 1, context: 'r' }]);
});

test('6.4 reads issued in one turn share ONE heartbeat round', () => {
  const c = new Cluster(['a', 'b', 'c'], plain);
  c.elect('a');
  const mark = c.sent.length;
  for (let i = 0; i < 10; i++) c.get('a').node.readIndex(enc(`r${i}`));
  c.processReadyOf('a');
  assert.equal(c.sentSince(mark, (m) => m.type === MessageType.MsgHeartbeat).length, 2, 'one heartbeat per follower');
  c.stabilize();
  assert.deepEqual(c.get('a').readStates.map((r) => r.context), Array.from({ length: 10 }, (_, i) => `r${i}`));
  assert.equal(c.sentSince(mark, (m) => m.type === MessageType.MsgHeartbeat).length, 2);
});

test('6.4 a follower\'s read goes to the leader and comes back as a ReadState', () => {
  const c = new Cluster(['a', 'b', 'c'], plain);
  c.elect('a');
  c.propose('a', 'x');
  c.stabilize();
  const mark = c.sent.length;
  assert.equal(c.get('b').node.readIndex(enc('f1')), true);
  c.stabilize();
  assert.equal(c.sentSince(mark, (m) => m.type === MessageType.MsgReadIndex && m.from === 'b' && m.to === 'a').length, 1);
  assert.deepEqual(c.get('b').readStates, [{ index: 2, context: 'f1' }]);
  assert.deepEqual(c.get('a').readStates, []);
});

test('6.4 a leader partitioned from the majority never releases a read', () => {
  const c = new Cluster(['a', 'b', 'c'], plain); // no check-quorum: it stays "leader" forever
  c.elect('a');
  c.isolate('a');
  c.get('a').node.readIndex(enc('r'));
  for (let i = 0; i < 30; i++) {
    c.tick('a');
    c.stabilize();
  }
  assert.equal(c.get('a').node.status().role, 'leader');
  assert.deepEqual(c.get('a').readStates, []);
});
