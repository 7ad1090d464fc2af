import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FRAME_HEADER_BYTES, FrameDecoder, FrameTooLargeError, writeFrameHeader } from './framing.js';
import { seededRandom, testSeed } from './test-support.js';

function frame(payload: Uint8Array): Uint8Array {
  const b = new Uint8Array(FRAME_HEADER_BYTES + payload.length);
  writeFrameHeader(b, 0, payload.length);
  b.set(payload, FRAME_HEADER_BYTES);
  return b;
}

function concat(parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}

describe('FrameDecoder', () => {
  it('splits a stream cut at arbitrary boundaries back into the same payloads', () => {
    const rnd = seededRandom(testSeed('framing chunks'));
    const int = (n: number): number => Math.floor(rnd() * n);
    for (let round = 0; round < 200; round++) {
      const payloads = Array.from({ length: 1 + int(20) }, () => Uint8Array.from({ length: int(3) === 0 ? 0 : int(3000) }, () => int(256)));
      const stream = concat(payloads.map(frame));
      const got: Uint8Array[] = [];
      const d = new FrameDecoder(10_000, (p) => got.push(p.slice()));
      let o = 0;
      while (o < stream.length) {
        const cut = Math.min(stream.length, o + (int(4) === 0 ? 1 + int(5) : 1 + int(5000)));
        d.push(stream.subarray(o, cut));
        o = cut;
      }
      assert.equal(d.bufferedBytes, 0);
      assert.deepEqual(got.map((p) => Array.from(p)), payloads.map((p) => Array.from(p)));
    }
  });

  it('hands out views of the chunk when a frame fits inside it', () => {
    const chunk = frame(new Uint8Array([1, 2, 3]));
    let payload: Uint8Array | undefined;
    new FrameDecoder(100, (p) => { payload = p; }).push(chunk);
    assert.equal(payload?.buffer, chunk.buffer);
  });

  it('throws FrameTooLargeError on an oversized header, even one split across chunks, and then stops', () => {
    const header = new Uint8Array(4);
    writeFrameHeader(header, 0, 101);
    const got: Uint8Array[] = [];
    const d = new FrameDecoder(100, (p) => got.push(p));
    d.push(header.subarray(0, 3));
    assert.throws(() => d.push(concat([header.subarray(3), frame(new Uint8Array(1))])), FrameTooLargeError);
    d.push(frame(new Uint8Array(1)));
    assert.equal(got.length, 0);
  });

  it('stop() inside onFrame drops the rest of the chunk', () => {
    const got: number[] = [];
    const d = new FrameDecoder(100, (p) => { got.push(p[0] as number); d.stop(); });
    d.push(concat([frame(new Uint8Array([1])), frame(new Uint8Array([2]))]));
    assert.deepEqual(got, [1]);
  });
});
