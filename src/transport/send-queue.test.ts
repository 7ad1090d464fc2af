import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MessageType, index } from '../raft/types.js';
import type { MessageType as MT } from '../raft/types.js';
import { SendQueue } from './send-queue.js';
import { msg } from './test-support.js';

const q = (type: MT, i: number, frameBytes = 10) => ({ m: msg({ type, index: index(i) }), frameBytes });

describe('SendQueue', () => {
  it('keeps order and takes batches by bytes (at least one message)', () => {
    const s = new SendQueue(100, 1000);
    for (let i = 1; i <= 5; i++) assert.deepEqual(s.push(q(MessageType.MsgApp, i, 30)), []);
    assert.deepEqual(s.take(70).map((x) => x.m.index), [1, 2]);
    assert.deepEqual(s.take(1).map((x) => x.m.index), [3]);
    assert.deepEqual(s.take(1000).map((x) => x.m.index), [4, 5]);
    assert.equal(s.length, 0);
    assert.equal(s.bytes, 0);
  });

  it('drops the oldest MsgApp/heartbeat first when the message bound is hit', () => {
    const s = new SendQueue(3, 1000);
    s.push(q(MessageType.MsgVote, 1));
    s.push(q(MessageType.MsgApp, 2));
    s.push(q(MessageType.MsgHeartbeat, 3));
    assert.deepEqual(s.push(q(MessageType.MsgTimeoutNow, 4)).map((m) => m.index), [2]);
    assert.deepEqual(s.push(q(MessageType.MsgVote, 5)).map((m) => m.index), [3]);
    // Nothing expendable left: the oldest of all goes.
    assert.deepEqual(s.push(q(MessageType.MsgApp, 6)).map((m) => m.index), [1]);
    assert.deepEqual(s.take(1000).map((x) => x.m.index), [4, 5, 6]);
  });

  it('enforces the byte bound and refuses a message larger than the whole bound', () => {
    const s = new SendQueue(100, 100);
    s.push(q(MessageType.MsgApp, 1, 40));
    s.push(q(MessageType.MsgApp, 2, 40));
    assert.deepEqual(s.push(q(MessageType.MsgApp, 3, 50)).map((m) => m.index), [1]);
    assert.equal(s.bytes, 90);
    assert.deepEqual(s.push(q(MessageType.MsgApp, 4, 101)).map((m) => m.index), [4]);
    assert.equal(s.length, 2);
  });
});
