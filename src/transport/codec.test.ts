import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MessageType, index, nodeId, term } from '../raft/types.js';
import type { Message } from '../raft/types.js';
import { DecodeError, decodeMessage, encodeInto, encodeMessage, encodedSize } from './codec.js';
import { entry, msg, plain, seededRandom, snapshot, testSeed } from './test-support.js';

const MAX = Number.MAX_SAFE_INTEGER;
const edgeNumbers = [0, 1, 0xff, 0xffff_ffff, 0x1_0000_0000, 2 ** 52 + 3, MAX];

function roundTrip(m: Message): Message {
  const bytes = encodeMessage(m);
  assert.equal(bytes.length, encodedSize(m));
  const back = decodeMessage(bytes);
  assert.deepEqual(plain(back), plain(m));
  return back;
}

function sampleMessages(): Message[] {
  const out: Message[] = [];
  for (const type of Object.values(MessageType)) {
    for (const n of edgeNumbers) {
      out.push(msg({
        type, from: nodeId('node1'), to: nodeId('node-2'), term: term(n), logTerm: term(MAX - n), index: index(n),
        commit: index(n), reject: n % 2 === 1, rejectHint: index(MAX - n),
      }));
    }
  }
  out.push(msg({
    type: MessageType.MsgApp, term: term(7), logTerm: term(6), index: index(99), commit: index(98),
    entries: [entry(0, 0), entry(7, 100, 'put x=1'), entry(MAX, MAX, new Uint8Array(70_000).fill(0xab), 1), entry(1, 2, '')],
  }));
  out.push(msg({ type: MessageType.MsgHeartbeat, context: new Uint8Array([0, 1, 2, 255]) }));
  out.push(msg({ type: MessageType.MsgReadIndexResp, context: new Uint8Array(300).fill(7), reject: true }));
  out.push(msg({ type: MessageType.MsgSnap, snapshot: snapshot(0, 0, [], new Uint8Array(0)) }));
  out.push(msg({ type: MessageType.MsgSnap, snapshot: snapshot(MAX, 1, ['a', 'b', 'ünïcødé', '🦀'], new Uint8Array([1, 2, 3])) }));
  // Ids: empty (NONE), non-ASCII, a leading BOM that a careless decoder would strip, a long one.
  out.push(msg({ type: MessageType.MsgVote, from: nodeId(''), to: nodeId('\uFEFFbom') }));
  out.push(msg({ type: MessageType.MsgVote, from: nodeId('é'.repeat(100)), to: nodeId('x'.repeat(65_535)) }));
  return out;
}

describe('codec', () => {
  it('round-trips every message type with edge values', () => {
    for (const m of sampleMessages()) roundTrip(m);
  });

  it('decodes from a view at a non-zero offset and returns views of the input', () => {
    const m = msg({ type: MessageType.MsgApp, entries: [entry(1, 1, 'hello')] });
    const size = encodedSize(m);
    const big = Buffer.alloc(size + 20, 0xee);
    assert.equal(encodeInto(m, big, 10), 10 + size);
    const back = decodeMessage(big.subarray(10, 10 + size));
    assert.deepEqual(plain(back), plain(m));
    assert.equal(back.entries[0]?.data.buffer, big.buffer, 'entry data is a view, not a copy');
  });

  it('refuses to encode values the wire cannot carry', () => {
    assert.throws(() => encodeMessage(msg({ type: MessageType.MsgApp, term: term(-1) })), assert.AssertionError);
    assert.throws(() => encodeMessage(msg({ type: MessageType.MsgApp, index: index(MAX + 1) })), assert.AssertionError);
    assert.throws(() => encodeMessage(msg({ type: MessageType.MsgApp, commit: index(1.5) })), assert.AssertionError);
    assert.throws(() => encodeMessage(msg({ type: 99 as MessageType })), assert.AssertionError);
    assert.throws(() => encodeMessage(msg({ type: MessageType.MsgApp, from: nodeId('x'.repeat(70_000)) })), assert.AssertionError);
  });

  it('rejects specific malformed inputs with DecodeError', () => {
    const good = encodeMessage(msg({ type: MessageType.MsgApp, entries: [entry(1, 1, 'abc')] }));
    const mutate = (f: (b: Uint8Array, dv: DataView) => void): Uint8Array => {
      const b = good.slice();
      f(b, new DataView(b.buffer));
      return b;
    };
    const cases: Array<[RegExp, Uint8Array]> = [
      [/truncated version/, new Uint8Array(0)],
      [/codec version 2/, mutate((b) => { b[0] = 2; })],
      [/message type 0/, mutate((b) => { b[1] = 0; })],
      [/message type 13/, mutate((b) => { b[1] = 13; })],
      [/unknown flags/, mutate((b) => { b[2] = 4; })],
      [/term is not a safe integer/, mutate((_b, dv) => { dv.setUint32(7, 0x20_0000, true); })],
      [/1 trailing bytes/, Uint8Array.from([...good, 0])],
      [/entry count 4294967295 exceeds/, mutate((_b, dv) => { dv.setUint32(good.length - 28, 0xffff_ffff, true); })],
      [/from is not valid UTF-8/, encodeMessage(msg({ type: MessageType.MsgVote, from: nodeId('é') })).map((x, i) => (i === 45 ? 0xff : x))],
    ];
    for (const [pattern, bytes] of cases) {
      assert.throws(() => decodeMessage(bytes), (err: unknown) => err instanceof DecodeError && pattern.test(err.message), String(pattern));
    }
  });

  it('fuzz: random bytes, truncations and bit flips decode to DecodeError or a canonical message', () => {
    const seed = testSeed('codec fuzz');
    const rnd = seededRandom(seed);
    const int = (n: number): number => Math.floor(rnd() * n);
    const valid = sampleMessages().filter((m) => encodedSize(m) < 2000).map(encodeMessage);
    let decoded = 0;
    let rejected = 0;
    const check = (bytes: Uint8Array, what: string): void => {
      let m: Message;
      try {
        m = decodeMessage(bytes);
      } catch (err) {
        if (!(err instanceof DecodeError)) assert.fail(`seed ${seed}: ${what} threw ${String(err)}`);
        rejected++;
        return;
      }
      // Every successful decode is of a canonical encoding: re-encoding gives the same bytes.
      assert.deepEqual(Buffer.from(encodeMessage(m)), Buffer.from(bytes), `seed ${seed}: ${what} is not canonical`);
      decoded++;
    };
    for (let i = 0; i < 3000; i++) {
      const b = new Uint8Array(int(120));
      for (let j = 0; j < b.length; j++) b[j] = int(256);
      // Random bytes almost never pass the version/type checks; give them a plausible head.
      if (i % 2 === 0 && b.length > 2) { b[0] = 1; b[1] = 1 + int(12); b[2] = int(4); }
      check(b, `random #${i}`);
    }
    for (const [k, v] of valid.entries()) {
      for (let cut = 0; cut < v.length; cut++) check(v.subarray(0, cut), `truncation ${k}@${cut}`);
      for (let i = 0; i < 200; i++) {
        const b = v.slice();
        const flips = 1 + int(3);
        for (let f = 0; f < flips; f++) b[int(b.length)]! ^= 1 << int(8);
        check(b, `bit flip ${k}#${i}`);
        const c = v.slice();
        c[int(c.length)] = int(256);
        check(c, `byte set ${k}#${i}`);
      }
    }
    assert.ok(decoded > 0 && rejected > 0, `decoded ${decoded}, rejected ${rejected}`);
  });
});
