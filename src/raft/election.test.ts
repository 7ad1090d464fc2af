// Elections: one test per rule of the Raft paper (§5.1, §5.2, §5.4.1), each named after it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RawNode } from './raw-node.js';
import { Cluster, config } from './testing/harness.js';
import { app, drain, drainMessages, msg, ofType, restoredNode, MessageType } from './testing/builders.js';
import { index, nodeId, term, type HardState, type Ready } from './types.js';

const plain = { preVote: false, checkQuorum: false };

function vote(from: string, to: string, t: number, lastIndex = 0, lastTerm = 0) {
  return msg(MessageType.MsgVote, from, to, { term: term(t), index: index(lastIndex), logTerm: term(lastTerm) });
}
function voteResp(from: string, to: string, t: number, granted: boolean) {
  return msg(MessageType.MsgVoteResp, from, to, { term: term(t), reject: !granted });
}
function granted(msgs: ReturnType<typeof drainMessages>, to: string): boolean | undefined {
  const r = ofType(msgs, MessageType.MsgVoteResp, to);
  assert.equal(r.length, 1, `exactly one MsgVoteResp to ${to}`);
  return !r[0]!.reject;
}

test('§5.1 higher term: any message with a higher term makes the receiver adopt it and become follower', () => {
  // A follower learns of a newer leader through its MsgApp.
  const b = restoredNode({ id: 'b', voters: ['a', 'b', 'c'], term: 1, cfg: plain });
  b.step(app('a', 'b', 5, 0, 0, []));
  assert.equal(b.status().term, 5);
  assert.equal(b.status().role, 'follower');
  assert.equal(b.status().leaderId, 'a');

  // A leader learns of a newer term through an answer and steps down.
  const c = new Cluster(['a', 'b', 'c'], plain);
  c.elect('a');
  assert.equal(c.get('a').node.status().role, 'leader');
  c.get('a').node.step(msg(MessageType.MsgHeartbeatResp, 'b', 'a', { term: term(3) }));
  assert.equal(c.get('a').node.status().term, 3);
  assert.equal(c.get('a').node.status().role, 'follower');
});

test('§5.1 stale term: messages from an older term are ignored, and a stale leader is told the newer term', () => {
  const b = restoredNode({ id: 'b', voters: ['a', 'b', 'c'], term: 3, logTerms: [1, 2], cfg: plain });
  drain(b);
  // A MsgApp from a deposed leader of term 2 must not touch the log nor the commit index.
  b.step(app('a', 'b', 2, 2, 2, [2, 2], 4));
  let out = drainMessages(b);
  assert.equal(b.status().lastIndex, 2);
  assert.equal(b.status().commit, 0);
  const resp = ofType(out, MessageType.MsgAppResp, 'a');
  assert.equal(resp.length, 1, 'the stale leader gets an answer carrying the newer term');
  assert.equal(resp[0]!.term, 3);
  // A vote request of an older term is not granted.
  b.step(vote('c', 'b', 2, 9, 2));
  out = drainMessages(b);
  assert.equal(ofType(out, MessageType.MsgVoteResp).filter((m) => !m.reject).length, 0);
  assert.equal(b.status().vote, '');

  // End to end: a leader cut off while the others elect a new one steps down when it hears back.
  const c = new Cluster(['a', 'b', 'c'], plain);
  c.elect('a');
  c.isolate('a');
  c.elect('b');
  assert.equal(c.get('b').node.status().role, 'leader');
  c.heal();
  c.tick('a');
  c.stabilize();
  assert.equal(c.get('a').node.status().role, 'follower');
  assert.equal(c.get('a').node.status().term, c.get('b').node.status().term);
  assert.equal(c.leader()?.id, 'b');
});

test('§5.2 a candidate wins with votes from a strict majority of voters (3, 4, 5 nodes)', () => {
  for (const n of [3, 4, 5]) {
    const ids = ['a', 'b', 'c', 'd', 'e'].slice(0, n);
    const need = Math.floor(n / 2) + 1;
    const a = new RawNode(config('a', ids, plain));
    a.campaign();
    drain(a);
    assert.equal(a.status().role, 'candidate');
    // Its own vote counts; each further grant brings it closer.
    for (let k = 1; k < n; k++) {
      a.step(voteResp(ids[k]!, 'a', 1, true));
      const votes = k + 1;
      assert.equal(a.status().role, votes >= need ? 'leader' : 'candidate', `${n} nodes, ${votes} votes`);
      if (votes >= need) break;
    }
    // And it loses as soon as a majority is out of reach.
    const l = new RawNode(config('a', ids, plain));
    l.campaign();
    for (let k = 1; k < n; k++) {
      l.step(voteResp(ids[k]!, 'a', 1, false));
      const reachable = n - k;
      assert.equal(l.status().role, reachable < need ? 'follower' : 'candidate', `${n} nodes, ${k} refusals`);
      if (reachable < need) break;
    }
  }
});

test('§5.2 votes from an older term are not counted', () => {
  const ids = ['a', 'b', 'c', 'd', 'e'];
  const a = new RawNode(config('a', ids, plain));
  a.campaign(); // term 1
  a.campaign(); // split vote, try again: term 2
  assert.equal(a.status().term, 2);
  for (const from of ['b', 'c', 'd']) a.step(voteResp(from, 'a', 1, true));
  assert.equal(a.status().role, 'candidate', 'grants of term 1 do not elect a term-2 candidate');
  for (const from of ['b', 'c']) a.step(voteResp(from, 'a', 2, true));
  assert.equal(a.status().role, 'leader');
});

test('§5.2 at most one vote per term, and the vote survives a restart', () => {
  const voters = ['a', 'b', 'c'];
  const b = restoredNode({ id: 'b', voters, cfg: plain });
  b.step(vote('a', 'b', 1));
  const readies = drain(b);
  assert.equal(granted(readies.flatMap((r) => [...r.messages, ...r.messagesAfterPersist]), 'a'), true);
  b.step(vote('c', 'b', 1));
  assert.equal(granted(drainMessages(b), 'c'), false, 'second candidate in the same term is refused');

  // Restart from what was persisted: the vote must still bind.
  const hard = readies.map((r) => r.hardState).filter((h): h is HardState => h !== null).at(-1)!;
  const b2 = new RawNode(config('b', voters, plain), { hardState: hard, snapshot: null, entries: [] });
  b2.step(vote('c', 'b', 1));
  assert.equal(granted(drainMessages(b2), 'c'), false, 'after restart, still refused in the same term');
  b2.step(vote('a', 'b', 1));
  assert.equal(granted(drainMessages(b2), 'a'), true, 'the same candidate asking again is granted');
  b2.step(vote('c', 'b', 2));
  assert.equal(granted(drainMessages(b2), 'c'), true, 'a new term frees the vote');
});

test('§5.2 the vote is durable before it is sent: MsgVoteResp rides in messagesAfterPersist of the Ready holding the vote', () => {
  const b = restoredNode({ id: 'b', voters: ['a', 'b', 'c'], cfg: plain });
  b.step(vote('a', 'b', 1));
  const rd: Ready = b.ready();
  assert.equal(ofType(rd.messages, MessageType.MsgVoteResp).length, 0);
  assert.equal(ofType(rd.messagesAfterPersist, MessageType.MsgVoteResp, 'a').length, 1);
  assert.deepEqual(rd.hardState, { term: 1, vote: 'a', commit: 0 });
  assert.equal(rd.mustSync, true);
  b.advance(rd);
  // Same for the candidate's own vote for itself, carried by its MsgVote.
  const a = new RawNode(config('a', ['a', 'b', 'c'], plain));
  a.campaign();
  const ra = a.ready();
  assert.equal(ofType(ra.messages, MessageType.MsgVote).length, 0);
  assert.equal(ofType(ra.messagesAfterPersist, MessageType.MsgVote).length, 2);
  assert.deepEqual(ra.hardState, { term: 1, vote: 'a', commit: 0 });
  assert.equal(ra.mustSync, true);
});

test('§5.2 randomized election timeouts come from the injected random()', () => {
  for (const r of [0, 4, 9]) {
    const asked: number[] = [];
    const random = (n: number): number => {
      asked.push(n);
      return r;
    };
    const a = new RawNode({ ...config('a', ['a', 'b', 'c'], plain), random });
    for (let i = 0; i < 10 + r - 1; i++) a.tick();
    assert.equal(a.status().role, 'follower', `random=${r}: no campaign before electionTicks + r`);
    a.tick();
    assert.equal(a.status().role, 'candidate', `random=${r}: campaign at exactly electionTicks + r`);
    assert.ok(asked.length > 0 && asked.every((n) => n === 10), 'random() is asked for [0, electionTicks)');
  }
});

test('§5.4.1 election restriction: a vote is denied to a less up-to-date log (last term first, then length)', () => {
  // The voter's log: terms [1, 1, 2] (last term 2, last index 3).
  const cases: Array<[lastIndex: number, lastTerm: number, grant: boolean, why: string]> = [
    [5, 1, false, 'longer but older last term'],
    [1, 3, true, 'shorter but newer last term'],
    [2, 2, false, 'same last term, shorter'],
    [3, 2, true, 'same last term, same length'],
    [4, 2, true, 'same last term, longer'],
  ];
  for (const [li, lt, grant, why] of cases) {
    const b = restoredNode({ id: 'b', voters: ['a', 'b', 'c'], term: 2, logTerms: [1, 1, 2], cfg: plain });
    b.step(vote('a', 'b', 3, li, lt));
    assert.equal(granted(drainMessages(b), 'a'), grant, why);
    assert.equal(b.status().vote, grant ? nodeId('a') : nodeId(''), why);
  }
});
