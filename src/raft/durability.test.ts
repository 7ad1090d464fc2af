// The Ready contract (types.ts): what depends on durable state leaves only after persistence;
// the leader counts its own copy in the commit quorum only once advance() says it is on disk.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Cluster } from './testing/harness.js';
import type { RawNode } from './raw-node.js';
import { MessageType, index, messageTypeName, nodeId, term, type Ready } from './types.js';

/** a leads b and c and has handed out the Ready that writes `text` at index 2; not advanced. */
function leaderWriting(text: string): { c: Cluster; a: RawNode; rd: Ready } {
  const c = new Cluster(['a', 'b', 'c'], { preVote: false, checkQuorum: false });
  c.elect('a');
  const a = c.get('a').node;
  assert.equal(c.propose('a', text).ok, true);
  const rd = a.ready();
  assert.deepEqual(rd.entries.map((e) => e.index), [2]);
  return { c, a, rd };
}

test('durability: MsgVote, MsgVoteResp and MsgAppResp are only in messagesAfterPersist; MsgApp may leave before', () => {
  const c = new Cluster(['a', 'b', 'c'], { preVote: false });
  c.elect('a');
  c.isolate('c');
  for (let i = 0; i < 5; i++) c.propose('a', `x${i}`);
  c.stabilize();
  c.heal();
  c.tick('a');
  c.stabilize(); // c rejects, is probed, catches up
  c.tickAll(30); // elections and votes in later terms too
  c.stabilize();
  const mustWait = [MessageType.MsgVote, MessageType.MsgVoteResp, MessageType.MsgAppResp];
  for (const t of mustWait) {
    const all = c.sent.filter((s) => s.msg.type === t);
    assert.ok(all.length > 0, `scenario produced ${messageTypeName(t)}`);
    const early = all.filter((s) => !s.afterPersist);
    assert.equal(early.length, 0, `${messageTypeName(t)} must wait for persistence`);
  }
  assert.ok(c.sent.some((s) => s.msg.type === MessageType.MsgAppResp && s.msg.reject), 'rejections too');
  assert.ok(c.sent.some((s) => s.msg.type === MessageType.MsgApp && !s.afterPersist), 'the leader\'s MsgApp goes out with the write');
});

test('durability (10.2.1): the leader counts itself in the commit quorum only after advance() of the Ready carrying the entry', () => {
  const c = new Cluster(['a', 'b', 'c'], { preVote: false, checkQuorum: false });
  c.elect('a');
  c.isolate('c');
  const a = c.get('a').node;
  assert.equal(c.propose('a', 'x').ok, true);
  const rd = a.ready(); // written "in parallel" with sending: not advanced yet
  assert.deepEqual(rd.entries.map((e) => e.index), [2]);
  for (const m of rd.messages) c.deliver(m);
  c.processReadyOf('b');
  assert.equal(c.deliverWhere((m) => m.to === 'a' && m.type === MessageType.MsgAppResp), 1);
  assert.equal(a.status().progress.get(nodeId('b'))!.match, 2);
  assert.equal(a.status().commit, 1, 'only b holds entry 2 durably: 1 of 3');
  a.advance(rd);
  assert.equal(a.status().commit, 2, 'a\'s own durable copy completes the quorum');
});

test('durability (10.2.1): takeMessages() sends a new batch to followers while the previous Ready is still being written, and never what must wait', () => {
  const { c, a, rd } = leaderWriting('first'); // batch N: being written, not advanced
  // Batch N+1 arrives while N is on its way to disk.
  assert.equal(c.propose('a', 'second').ok, true);
  assert.equal(a.hasReady(), false, 'one Ready at a time');
  const early = a.takeMessages();
  const apps = early.filter((m) => m.type === MessageType.MsgApp);
  assert.equal(apps.length, 2, 'one MsgApp per follower');
  for (const m of apps) assert.ok(m.entries.some((e) => e.index === 3), `${m.to} gets entry 3 before the leader wrote it`);
  // The leader's own copy still does not count: nothing commits on its behalf before advance().
  assert.equal(a.status().commit, 1);
  // Votes and acknowledgements never come out of takeMessages(): a follower's ack waits for its Ready.
  const b = c.get('b').node;
  for (const m of apps.filter((x) => x.to === 'b')) b.step(m);
  assert.deepEqual(b.takeMessages().filter((m) => m.type === MessageType.MsgAppResp), []);
  a.advance(rd);
});

test('durability: an acknowledgement waiting for the next write is withdrawn when a newer leader truncates what it acknowledged (sim seed 100464)', () => {
  const c = new Cluster(['a', 'b', 'c'], { preVote: false, checkQuorum: false });
  c.elect('a');
  c.propose('a', 'x');
  c.propose('a', 'y');
  const a = c.get('a').node;
  const b = c.get('b').node;
  const rdA = a.ready();
  const app = rdA.messages.find((m) => m.type === MessageType.MsgApp && m.to === 'b')!;
  assert.deepEqual(app.entries.map((e) => e.index), [2, 3]);
  b.step(app);
  const rd = b.ready(); // entries 2..3 are being written; their ack rides on this Ready
  assert.ok(rd.messagesAfterPersist.some((m) => m.type === MessageType.MsgAppResp && m.index === 3));
  b.step(app); // a duplicate arrives meanwhile: its ack must wait for the next write
  // A leader of term 2 (c) replaces entries 2..3 before that next write.
  b.step({ ...app, from: nodeId('c'), term: term(2), entries: [{ index: index(2), term: term(2), type: 0, data: new Uint8Array([7]) }], commit: index(1) });
  b.advance(rd);
  const next = b.ready();
  const acks = next.messagesAfterPersist.filter((m) => m.type === MessageType.MsgAppResp && !m.reject);
  assert.equal(acks.filter((m) => m.index >= 3).length, 0, 'no ack for entry 3: the disk will not hold it after this write');
  assert.ok(acks.some((m) => m.to === 'c' && m.index === 2 && m.term === 2), 'the new leader gets its ack');
  b.advance(next);
});

test('durability (10.2.1): takeCommitted() hands out, once, an entry both followers made durable while the leader is still writing it', () => {
  const { c, a, rd } = leaderWriting('x'); // entry 2, on its way to a's disk
  assert.deepEqual(a.takeCommitted(), [], 'nothing new is committed yet');
  for (const m of rd.messages) c.deliver(m);
  c.processReadyOf('b');
  assert.equal(c.deliverWhere((m) => m.to === 'a' && m.type === MessageType.MsgAppResp), 1);
  assert.deepEqual(a.takeCommitted(), [], 'b alone is 1 of 3: entry 2 is not committed');
  c.processReadyOf('c');
  assert.equal(c.deliverWhere((m) => m.to === 'a' && m.type === MessageType.MsgAppResp), 1);
  assert.equal(a.status().commit, 2, 'b and c hold entry 2 durably: committed without a');
  assert.deepEqual(a.takeCommitted().map((e) => e.index), [2]);
  assert.deepEqual(a.takeCommitted(), [], 'handed out once');
  a.advance(rd);
  assert.equal(a.status().applied, 2, 'advance() counts the taken entry applied');
  while (a.hasReady()) {
    const next = a.ready();
    assert.deepEqual(next.committedEntries.filter((e) => e.index <= 2), [], 'the next Ready does not hand it out again');
    a.advance(next);
  }
});

test('durability: takeCommitted() holds back an entry the leader has not yet handed out to be written, however many followers hold it', () => {
  const { c, a, rd } = leaderWriting('x'); // entry 2 being written
  assert.equal(c.propose('a', 'y').ok, true); // entry 3: only in a's memory
  const pipelined = a.takeMessages(); // entry 3 goes to b and c while a writes entry 2
  for (const m of [...rd.messages, ...pipelined]) c.deliver(m);
  c.processReadyOf('b');
  c.processReadyOf('c');
  c.deliverWhere((m) => m.to === 'a' && m.type === MessageType.MsgAppResp);
  assert.equal(a.status().commit, 3, 'b and c hold entries 2 and 3');
  assert.deepEqual(a.takeCommitted().map((e) => e.index), [2], 'entry 3 waits: a snapshot after applying it could compact it away before a writes it');
  a.advance(rd);
  const next = a.ready();
  assert.deepEqual(next.entries.map((e) => e.index), [3]);
  assert.deepEqual(next.committedEntries.map((e) => e.index), [3]);
  a.advance(next);
});
