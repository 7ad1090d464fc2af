// Leadership transfer (dissertation 3.10).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Cluster } from './testing/harness.js';
import { MessageType, nodeId } from './types.js';

test('3.10 TimeoutNow is sent only once the target is caught up, and the target then wins', () => {
  const c = new Cluster(['a', 'b', 'c']);
  c.elect('a');
  c.isolate('c');
  c.propose('a', 'x');
  c.stabilize();
  const mark = c.sent.length;
  c.get('a').node.transferLeadership(nodeId('c'));
  c.stabilize();
  assert.equal(c.sentSince(mark, (m) => m.type === MessageType.MsgTimeoutNow).length, 0, 'c lacks entry 2');
  c.heal();
  c.tick('a');
  c.stabilize();
  assert.equal(c.sentSince(mark, (m) => m.type === MessageType.MsgTimeoutNow && m.to === 'c').length, 1);
  assert.equal(c.leader()?.id, 'c');
  assert.deepEqual(c.appliedTexts('c'), ['x']);
});

test('3.10 the transfer target campaigns at once without pre-vote, past the followers\' lease', () => {
  const c = new Cluster(['a', 'b', 'c']); // pre-vote and check-quorum on
  c.elect('a');
  const t0 = c.get('a').node.status().term;
  const mark = c.sent.length;
  c.get('a').node.transferLeadership(nodeId('c'));
  c.stabilize();
  assert.equal(c.leader()?.id, 'c');
  assert.equal(c.get('c').node.status().term, t0 + 1);
  assert.equal(c.sentSince(mark, (m) => m.type === MessageType.MsgPreVote).length, 0);
  assert.ok(c.sentSince(mark, (m) => m.type === MessageType.MsgVote && m.from === 'c').length > 0);
});

test('3.10 proposals are refused while a transfer is in progress', () => {
  const c = new Cluster(['a', 'b', 'c']);
  c.elect('a');
  c.isolate('c');
  c.propose('a', 'x');
  c.stabilize();
  c.get('a').node.transferLeadership(nodeId('c'));
  assert.deepEqual(c.propose('a', 'y'), { ok: false, reason: 'transferring', leaderId: 'a' });
});

test('3.10 an unfinished transfer is abandoned after an election timeout', () => {
  const c = new Cluster(['a', 'b', 'c']);
  c.elect('a');
  c.isolate('c');
  c.propose('a', 'x');
  c.stabilize();
  c.get('a').node.transferLeadership(nodeId('c'));
  for (let i = 0; i < 9; i++) {
    c.tick('a');
    c.stabilize();
  }
  assert.equal(c.propose('a', 'y').ok, false, 'still transferring before the timeout');
  c.tick('a');
  c.stabilize();
  assert.equal(c.leader()?.id, 'a');
  assert.equal(c.propose('a', 'y').ok, true, 'transfer abandoned: proposals accepted again');
});
