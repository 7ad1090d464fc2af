// Disruption guards: pre-vote (dissertation 9.6), check-quorum (6.2) and the leader lease
// on votes (4.2.3). These run with the defaults (preVote and checkQuorum on).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Cluster } from './testing/harness.js';
import { drainMessages, msg, MessageType } from './testing/builders.js';
import { index, term } from './types.js';

test('9.6 pre-vote: a partitioned node does not increase its term, and on rejoin does not disrupt the leader', () => {
  const c = new Cluster(['a', 'b', 'c']);
  c.elect('a');
  const t0 = c.get('a').node.status().term;
  c.isolate('c');
  c.propose('a', 'x');
  c.stabilize();
  for (let i = 0; i < 60; i++) {
    c.tickAll();
    c.stabilize();
  }
  assert.equal(c.get('c').node.status().term, t0, 'failed pre-votes leave the term alone');
  assert.equal(c.leader()?.id, 'a');
  c.heal();
  for (let i = 0; i < 30; i++) {
    c.tickAll();
    c.stabilize();
  }
  assert.equal(c.leader()?.id, 'a', 'the leader was not deposed');
  for (const id of ['a', 'b', 'c']) assert.equal(c.get(id).node.status().term, t0, `${id} term`);
  assert.deepEqual(c.appliedTexts('c'), ['x'], 'and c caught up');
});

test('6.2 check-quorum: a leader cut off from the majority steps down within an election timeout of losing contact', () => {
  const c = new Cluster(['a', 'b', 'c']);
  c.elect('a');
  c.isolate('a');
  let ticks = 0;
  while (c.get('a').node.status().role === 'leader' && ticks < 100) {
    c.tick('a');
    c.stabilize();
    ticks++;
  }
  // The check runs every electionTicks (10) on activity seen since the previous check, so
  // losing contact just after a check costs up to two timeouts.
  assert.ok(ticks <= 2 * 10, `stepped down after ${ticks} ticks`);
  assert.equal(c.get('a').node.status().role, 'follower');
  // With its majority it stays leader indefinitely.
  const d = new Cluster(['a', 'b', 'c']);
  d.elect('a');
  for (let i = 0; i < 50; i++) {
    d.tickAll();
    d.stabilize();
  }
  assert.equal(d.leader()?.id, 'a');
});

test('4.2.3 lease: a follower that heard from the leader recently ignores a MsgVote with a higher term', () => {
  const c = new Cluster(['a', 'b', 'c']);
  c.elect('a');
  const b = c.get('b').node;
  const st = b.status();
  const ask = () => msg(MessageType.MsgVote, 'c', 'b', { term: term(st.term + 1), index: index(st.lastIndex), logTerm: term(st.term) });
  b.step(ask());
  assert.equal(b.status().term, st.term, 'term unchanged');
  assert.equal(b.status().vote, st.vote, 'no vote given');
  assert.equal(drainMessages(b).filter((m) => m.type === MessageType.MsgVoteResp).length, 0, 'not even answered');
  // Once an election timeout passed without the leader, the same request is granted.
  for (let i = 0; i < 10; i++) b.tick();
  b.step(ask());
  const resp = drainMessages(b).filter((m) => m.type === MessageType.MsgVoteResp);
  assert.equal(resp.length, 1);
  assert.equal(resp[0]!.reject, false);
});

test(
  '9.6 pre-vote alone: a voter that heard from a leader within the election timeout refuses a pre-vote (check-quorum off)',
  () => {
    const c = new Cluster(['a', 'b', 'c'], { preVote: true, checkQuorum: false });
    c.elect('a');
    const t0 = c.get('a').node.status().term;
    c.isolate('c');
    for (let i = 0; i < 30; i++) {
      c.tick('c');
      c.stabilize();
    }
    c.heal();
    for (let i = 0; i < 25; i++) {
      c.tick('c');
      c.stabilize();
    }
    assert.equal(c.leader()?.id, 'a', 'the leader was not deposed');
    assert.equal(c.get('a').node.status().term, t0);
  },
);

test('9.6 pre-vote: a round ignored by a voter still in its lease is asked again within a heartbeat interval, not after a whole election timeout', () => {
  // b and c survive a dead leader a. c heard from a two ticks after b did, so when b's (minimum)
  // timeout fires, c is still inside its lease and ignores b's pre-vote. c's own timeout is the
  // longest possible, and b's log is ahead of c's (only b got a's last entry): b must win, and should
  // as soon as c's lease ends (tick 10), not a whole timeout after its first attempt (tick 18).
  const E = 10;
  const c = new Cluster(['a', 'b', 'c'], { electionTicks: E, heartbeatTicks: 2 }, {
    b: { random: () => 0 },
    c: { random: (k) => k - 1 },
  });
  c.elect('a');
  c.propose('a', 'x');
  c.processReadyOf('a');
  c.deliverWhere((m) => m.to === 'b');
  c.take((m) => m.to === 'c');
  c.processReadyOf('b');
  c.take(() => true);
  c.tick('b', 2); // silence for b starts two ticks before it does for c
  c.isolate('a');
  c.deliver(msg(MessageType.MsgHeartbeat, 'a', 'c', { term: c.get('a').node.status().term }));
  c.processReadyOf('c');
  c.take(() => true);
  let ticks = 0;
  let firstPreVoteAt = 0;
  while (ticks < 3 * E && c.get('b').node.status().role !== 'leader') {
    ticks++;
    c.tick('b');
    c.tick('c');
    c.processReady();
    if (firstPreVoteAt === 0 && c.inflight.some((m) => m.type === MessageType.MsgPreVote && m.from === 'b')) firstPreVoteAt = ticks;
    c.stabilize();
  }
  assert.equal(c.get('b').node.status().role, 'leader');
  assert.equal(firstPreVoteAt, E - 2, 'b asked first, while c was still in its lease');
  assert.ok(ticks <= E + 2, `b won ${ticks} ticks into the silence; c's lease ended at ${E}`);
});
