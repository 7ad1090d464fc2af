// Snapshots (dissertation 5): catching up a follower past the compacted prefix, and restart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Cluster } from './testing/harness.js';
import { MessageType, index, nodeId, term, type Snapshot } from './types.js';

const plain = { preVote: false, checkQuorum: false };

/** a leads, c missed entries 2..6, a compacted its log through 6. */
function laggingBehindSnapshot(): Cluster {
  const c = new Cluster(['a', 'b', 'c'], plain);
  c.elect('a');
  c.isolate('c');
  for (let i = 0; i < 5; i++) c.propose('a', `v${i}`);
  c.stabilize();
  const a = c.get('a');
  assert.equal(a.node.status().applied, 6);
  const snap: Snapshot = { meta: { index: index(6), term: term(1), conf: { voters: ['a', 'b', 'c'].map(nodeId) } }, data: new TextEncoder().encode('image@6') };
  a.node.compact(snap);
  assert.equal(a.node.status().firstIndex, 7);
  c.heal();
  return c;
}

test('snapshot: a follower that needs a compacted entry gets MsgSnap; installing it yields Ready.snapshot and commit = snapshot index', () => {
  const c = laggingBehindSnapshot();
  const mark = c.sent.length;
  const readyMark = c.readies.length;
  c.tick('a');
  c.stabilize();
  assert.equal(c.sentSince(mark, (m) => m.type === MessageType.MsgSnap && m.to === 'c').length, 1);
  const withSnap = c.readies.slice(readyMark).filter((r) => r.id === 'c' && r.ready.snapshot !== null);
  assert.equal(withSnap.length, 1);
  const rd = withSnap[0]!.ready;
  assert.equal(rd.snapshot!.meta.index, 6);
  assert.equal(new TextDecoder().decode(rd.snapshot!.data), 'image@6');
  assert.equal(rd.hardState?.commit, 6, 'commit = snapshot index, persisted with it');
  assert.equal(rd.mustSync, true);
  assert.equal(c.get('c').node.status().commit, 6);
  assert.equal(c.get('c').node.status().firstIndex, 7);
  assert.equal(c.get('a').node.status().progress.get(nodeId('c'))!.match, 6);
  // And replication continues after it.
  c.propose('a', 'after');
  c.stabilize();
  c.tick('a');
  c.stabilize();
  assert.deepEqual(c.appliedTexts('c'), ['after']);
});

test('snapshot: a node restarted from (snapshot + entries + hardState) resumes where it was', () => {
  const c = laggingBehindSnapshot();
  c.tick('a');
  c.stabilize();
  c.propose('a', 'y');
  c.stabilize();
  c.tick('a');
  c.stabilize();
  const node = c.get('c');
  const before = node.node.status();
  assert.equal(before.commit, 7);
  assert.equal(node.disk.snapshot?.meta.index, 6);
  assert.deepEqual(node.disk.entries.map((e) => e.index), [7]);
  node.restart();
  const after = node.node.status();
  assert.deepEqual(
    [after.term, after.vote, after.commit, after.firstIndex, after.lastIndex, after.applied],
    [before.term, before.vote, 7, 7, 7, 6],
    'term, vote, commit and log bounds restored; applied restarts at the snapshot',
  );
  const mark = c.readies.length;
  c.processReadyOf('c');
  const redo = c.readies.slice(mark).flatMap((r) => r.ready.committedEntries.map((e) => e.index));
  assert.deepEqual(redo, [7], 'entries after the snapshot are applied again, nothing before it');
  c.propose('a', 'z');
  c.stabilize();
  c.tick('a');
  c.stabilize();
  assert.equal(node.node.status().commit, 8);
  assert.deepEqual(c.appliedTexts('c'), ['y', 'z']);
});

test('snapshot: a lost MsgSnap is retried', () => {
  const c = laggingBehindSnapshot();
  let dropped = 0;
  c.drop = (m) => m.type === MessageType.MsgSnap && dropped++ === 0;
  for (let i = 0; i < 60 && c.get('c').node.status().commit < 6; i++) {
    c.tick('a');
    c.stabilize();
  }
  assert.equal(dropped, 2, 'the first MsgSnap was lost, the second got through');
  assert.ok(c.sent.filter((s) => s.msg.type === MessageType.MsgSnap).length >= 2, 'sent again');
  assert.equal(c.get('c').node.status().commit, 6);
});

test('snapshot §7: a node that installed a snapshot from the leader can send it on once it leads (sim seed 2022)', () => {
  const c = laggingBehindSnapshot();
  c.tick('a');
  c.stabilize();
  assert.equal(c.get('c').node.status().firstIndex, 7, 'c installed the snapshot');
  // Make c the leader while b is cut off.
  c.isolate('b');
  c.get('a').node.transferLeadership(nodeId('c'));
  c.stabilize();
  c.heal();
  c.isolate('a');
  const cNode = c.get('c');
  assert.equal(cNode.node.status().role, 'leader');
  // b needs the compacted prefix: it restarts with an empty disk, as a replaced machine would.
  const b = c.get('b');
  b.disk.entries = [];
  b.disk.snapshot = null;
  b.disk.hardState = { ...b.disk.hardState, commit: index(0) };
  b.restart();
  const mark = c.sent.length;
  c.heal();
  for (let i = 0; i < 3; i++) {
    c.tick('c');
    c.stabilize();
  }
  const snaps = c.sentSince(mark, (m) => m.type === MessageType.MsgSnap && m.to === 'b');
  assert.ok(snaps.length >= 1, 'the new leader sent its installed snapshot');
  assert.equal(new TextDecoder().decode(snaps[0]!.snapshot!.data), 'image@6');
  assert.equal(b.node.status().firstIndex, 7);
});
