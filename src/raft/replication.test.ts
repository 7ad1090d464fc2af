// Log replication (§5.3), the follower's commit bound, fast back-tracking and pipelining.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Cluster, TestNode, config } from './testing/harness.js';
import { app, drain, drainMessages, entriesWithTerms, ofType, restoredNode, MessageType } from './testing/builders.js';
import { index, nodeId, term, type Message } from './types.js';

const plain = { preVote: false, checkQuorum: false };

function appResps(msgs: readonly Message[]): Message[] {
  return ofType(msgs, MessageType.MsgAppResp);
}

test('§5.3 consistency check: a MsgApp whose previous entry does not match is rejected and changes nothing', () => {
  const b = restoredNode({ id: 'b', voters: ['a', 'b', 'c'], term: 2, logTerms: [1, 1], cfg: plain });
  drain(b);
  // Missing previous entry.
  b.step(app('a', 'b', 2, 3, 1, [2]));
  let r = appResps(drainMessages(b));
  assert.equal(r.length, 1);
  assert.equal(r[0]!.reject, true, 'prev index beyond the log');
  // Previous entry present but of another term.
  b.step(app('a', 'b', 2, 2, 2, [2]));
  const rds = drain(b);
  r = appResps(rds.flatMap((x) => [...x.messages, ...x.messagesAfterPersist]));
  assert.equal(r[0]!.reject, true, 'prev term mismatch');
  assert.equal(rds.flatMap((x) => x.entries).length, 0, 'nothing written');
  assert.equal(b.status().lastIndex, 2);
  // The matching previous entry is accepted.
  b.step(app('a', 'b', 2, 2, 1, [2]));
  r = appResps(drainMessages(b));
  assert.equal(r[0]!.reject, false);
  assert.equal(r[0]!.index, 3);
});

test('§5.3 a conflicting suffix is deleted and replaced by the leader\'s entries', () => {
  // b holds three term-1 entries that a term-1 leader never got committed.
  const b = restoredNode({ id: 'b', voters: ['a', 'b', 'c'], term: 1, logTerms: [1, 1, 1], commit: 1, cfg: plain });
  drain(b);
  b.step(app('a', 'b', 2, 1, 1, [2, 2], 1));
  const rds = drain(b);
  assert.deepEqual(
    rds.flatMap((x) => x.entries).map((e) => [e.index, e.term]),
    [[2, 2], [3, 2]],
    'entries 2..3 rewritten with term 2',
  );
  assert.equal(b.status().lastIndex, 3);
  // The log now has term 2 at index 3: a MsgApp anchored there matches.
  b.step(app('a', 'b', 2, 3, 2, []));
  assert.equal(appResps(drainMessages(b))[0]!.reject, false);
});

test('§5.3 entries already present are not truncated by a stale or duplicate MsgApp', () => {
  const b = restoredNode({ id: 'b', voters: ['a', 'b', 'c'], term: 1, logTerms: [1, 1, 1, 1], cfg: plain });
  drain(b);
  // A delayed copy of the very first MsgApp of this term arrives late.
  b.step(app('a', 'b', 1, 0, 0, [1]));
  const rds = drain(b);
  assert.equal(rds.flatMap((x) => x.entries).length, 0, 'nothing rewritten');
  assert.equal(b.status().lastIndex, 4, 'entries 2..4 are kept');
  const r = appResps(rds.flatMap((x) => [...x.messages, ...x.messagesAfterPersist]));
  assert.equal(r[0]!.index, 1, 'acknowledges only what that message verified');
  b.step(app('a', 'b', 1, 4, 1, []));
  assert.equal(appResps(drainMessages(b))[0]!.reject, false, 'entry 4 still there');
});

test('Figure 2 follower commit: commit never moves beyond the last entry verified by the MsgApp', () => {
  // b holds [1,1,1]; the term-2 leader verifies only up to index 2 but has commit 3.
  const b = restoredNode({ id: 'b', voters: ['a', 'b', 'c'], term: 1, logTerms: [1, 1, 1], cfg: plain });
  drain(b);
  b.step(app('a', 'b', 2, 1, 1, [1], 3));
  drain(b);
  assert.equal(b.status().commit, 2, 'entry 3 is unverified, it may not be the leader\'s entry 3');
});

test('heartbeat commit is min(follower match, leader commit)', () => {
  const c = new Cluster(['a', 'b', 'c'], plain);
  c.elect('a');
  c.cut.add('a->c');
  c.propose('a', 'x');
  c.stabilize();
  assert.equal(c.get('a').node.status().commit, 2);
  const mark = c.sent.length;
  c.tick('a');
  c.processReady();
  const hb = c.sentSince(mark, (m) => m.type === MessageType.MsgHeartbeat);
  const toC = hb.find((m) => m.to === 'c')!;
  const toB = hb.find((m) => m.to === 'b')!;
  assert.equal(c.get('a').node.status().progress.get(nodeId('c'))!.match, 1);
  assert.equal(toC.commit, 1, 'c is only known to hold entry 1');
  assert.equal(toB.commit, 2);
});

test('fast back-tracking: a long divergent follower log converges in O(terms) rejections, not O(entries)', () => {
  const voters = ['a', 'b', 'c'];
  const leaderLog = [1, ...Array<number>(50).fill(5)];
  const divergent = [1, ...Array<number>(30).fill(2), ...Array<number>(30).fill(3), ...Array<number>(40).fill(4)];
  const c = new Cluster(voters, plain);
  const restore = (id: string, terms: number[], t: number) =>
    c.nodes.set(nodeId(id), new TestNode(nodeId(id), config(id, voters, plain), { hardState: { term: term(t), vote: nodeId(''), commit: index(1) }, snapshot: null, entries: entriesWithTerms(terms) }));
  restore('a', leaderLog, 5);
  restore('b', leaderLog, 5);
  restore('c', divergent, 4);
  c.elect('a');
  assert.equal(c.leader()?.id, 'a');
  const rejections = c.sent.filter((s) => s.msg.type === MessageType.MsgAppResp && s.msg.from === 'c' && s.msg.reject).length;
  assert.ok(rejections >= 1 && rejections <= 4, `c needed ${rejections} rejections for 100 divergent entries in 3 terms`);
  assert.equal(c.get('c').node.status().lastIndex, 52);
  assert.equal(c.get('c').node.status().commit, 52);
});

test('pipelining: in replicate state the leader streams up to maxInflightMsgs MsgApps without answers, then pauses', () => {
  const c = new Cluster(['a', 'b', 'c'], { ...plain, maxInflightMsgs: 3 });
  c.elect('a');
  assert.equal(c.get('a').node.status().progress.get(nodeId('b'))!.state, 'replicate');
  c.cut.add('b->a'); // b's acknowledgements are lost; c keeps the quorum going
  const mark = c.sent.length;
  for (let i = 0; i < 6; i++) {
    c.propose('a', `p${i}`);
    c.stabilize();
  }
  const toB = c.sentSince(mark, (m) => m.type === MessageType.MsgApp && m.to === 'b' && m.entries.length > 0);
  assert.equal(toB.length, 3, 'three unacknowledged MsgApps, then the window is full');
  assert.equal(c.get('c').node.status().lastIndex, 7);
  c.heal();
  c.tick('a'); // a heartbeat answer reopens the flow
  c.stabilize();
  assert.equal(c.get('b').node.status().lastIndex, 7);
});

test('pipelining: maxMsgBytes splits a batch into several MsgApps', () => {
  // Each entry costs 100 data bytes + 24 overhead: 2 fit in 300 bytes, 3 do not.
  const c = new Cluster(['a', 'b', 'c'], { ...plain, maxMsgBytes: 300 });
  c.elect('a');
  const mark = c.sent.length;
  for (let i = 0; i < 10; i++) c.get('a').node.propose(new Uint8Array(100).fill(i));
  c.stabilize();
  const apps = c.sentSince(mark, (m) => m.type === MessageType.MsgApp && m.entries.length > 0);
  for (const m of apps) assert.ok(m.entries.length <= 2, `MsgApp to ${m.to} carried ${m.entries.length} entries`);
  assert.ok(apps.some((m) => m.entries.length === 2), 'batches still fill up to the limit');
  for (const id of ['b', 'c']) assert.equal(c.get(id).node.status().lastIndex, 11);
});

test('pipelining: a burst of proposals in one turn becomes one MsgApp per follower', () => {
  const c = new Cluster(['a', 'b', 'c'], plain);
  c.elect('a');
  const mark = c.sent.length;
  for (let i = 0; i < 10; i++) assert.equal(c.propose('a', `x${i}`).ok, true);
  c.processReadyOf('a');
  const apps = c.sentSince(mark, (m) => m.type === MessageType.MsgApp);
  assert.deepEqual(apps.map((m) => [m.to, m.entries.length]), [['b', 10], ['c', 10]]);
});

