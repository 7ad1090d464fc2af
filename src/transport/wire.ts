// What travels inside a frame once a peer stream is upgraded. Every payload starts
// with a one-byte kind:
//   MESSAGE    a codec-encoded Message (anything but MsgSnap)
//   SNAP_BEGIN u64 total snapshot data bytes, then the MsgSnap encoded with empty snapshot data
//   SNAP_CHUNK the next slice of that snapshot's data
// A snapshot is streamed as SNAP_BEGIN followed by chunks summing to exactly `total`;
// MESSAGE frames may be interleaved between its chunks (so heartbeats keep flowing
// while a large snapshot is on the wire), but a new SNAP_BEGIN may not start before
// the previous snapshot is complete.
import assert from 'node:assert/strict';
import type { Message } from '../raft/types.js';
import { DecodeError, decodeMessage, encodedSize, encodeInto } from './codec.js';
import { FRAME_HEADER_BYTES, writeFrameHeader } from './framing.js';

export const FrameKind = {
  Message: 1,
  SnapBegin: 2,
  SnapChunk: 3,
} as const;
export type FrameKind = (typeof FrameKind)[keyof typeof FrameKind];

/** The peer broke the stream protocol: the connection cannot continue. */
export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
  constructor(message: string, options?: { cause?: unknown }) { super(message, options); }
}

const KIND_BYTES = 1;
const TOTAL_BYTES = 8;
const TWO_32 = 0x1_0000_0000;
const EMPTY = new Uint8Array(0);

/** Bytes a MESSAGE frame for `m` takes on the wire, header included. */
export function messageFrameBytes(m: Message): number {
  return FRAME_HEADER_BYTES + KIND_BYTES + encodedSize(m);
}

/** Writes a MESSAGE frame for `m` (of exactly messageFrameBytes(m)) at `offset`; returns the end offset. */
export function writeMessageFrame(m: Message, buf: Uint8Array, offset: number, frameBytes: number): number {
  let o = writeFrameHeader(buf, offset, frameBytes - FRAME_HEADER_BYTES);
  buf[o++] = FrameKind.Message;
  o = encodeInto(m, buf, o);
  assert.equal(o - offset, frameBytes);
  return o;
}

/** The SNAP_BEGIN frame for a MsgSnap: the message without its data, plus the data's length. */
export function snapshotBeginFrame(m: Message): Buffer {
  assert(m.snapshot !== null, 'MsgSnap without a snapshot');
  const head: Message = { ...m, snapshot: { meta: m.snapshot.meta, data: EMPTY } };
  const payloadBytes = KIND_BYTES + TOTAL_BYTES + encodedSize(head);
  const buf = Buffer.allocUnsafe(FRAME_HEADER_BYTES + payloadBytes);
  let o = writeFrameHeader(buf, 0, payloadBytes);
  buf[o++] = FrameKind.SnapBegin;
  const total = m.snapshot.data.length;
  buf.writeUInt32LE(total >>> 0, o);
  buf.writeUInt32LE(Math.floor(total / TWO_32), o + 4);
  o = encodeInto(head, buf, o + TOTAL_BYTES);
  assert.equal(o, buf.length);
  return buf;
}

/** The header of a SNAP_CHUNK frame whose data (written right after it) has `chunkBytes` bytes. */
export function snapshotChunkHeader(chunkBytes: number): Buffer {
  const buf = Buffer.allocUnsafe(FRAME_HEADER_BYTES + KIND_BYTES);
  writeFrameHeader(buf, 0, KIND_BYTES + chunkBytes);
  buf[FRAME_HEADER_BYTES] = FrameKind.SnapChunk;
  return buf;
}

interface PendingSnapshot {
  readonly head: Message;
  readonly data: Uint8Array;
  have: number;
}

/**
 * The receiving half of the stream protocol: turns frame payloads into Messages,
 * reassembling streamed snapshots. Throws ProtocolError when the stream is broken;
 * a MESSAGE frame that fails to decode is reported to `onDecodeError` and skipped,
 * because the framing around it is still intact.
 */
export class InboundStream {
  private snapshot: PendingSnapshot | null = null;

  constructor(
    private readonly maxSnapshotBytes: number,
    private readonly onMessage: (m: Message) => void,
    private readonly onDecodeError: (err: DecodeError) => void,
  ) {}

  /** Bytes of snapshot data received so far for a snapshot still being streamed. */
  get partialSnapshotBytes(): number {
    return this.snapshot?.have ?? 0;
  }

  payload(p: Uint8Array): void {
    if (p.length < KIND_BYTES) throw new ProtocolError('empty frame');
    const kind = p[0];
    const body = p.subarray(KIND_BYTES);
    switch (kind) {
      case FrameKind.Message: {
        let m: Message;
        try {
          m = decodeMessage(body);
        } catch (err) {
          if (err instanceof DecodeError) { this.onDecodeError(err); return; }
          throw err;
        }
        if (m.snapshot !== null) {
          // Snapshots only travel streamed; accepting them here would bypass maxSnapshotBytes.
          this.onDecodeError(new DecodeError('MESSAGE frame carries a snapshot', 0));
          return;
        }
        this.onMessage(m);
        return;
      }
      case FrameKind.SnapBegin:
        this.beginSnapshot(body);
        return;
      case FrameKind.SnapChunk:
        this.snapshotChunk(body);
        return;
      default:
        throw new ProtocolError(`unknown frame kind ${String(kind)}`);
    }
  }

  private beginSnapshot(body: Uint8Array): void {
    if (this.snapshot !== null) throw new ProtocolError('snapshot begins before the previous one is complete');
    if (body.length < TOTAL_BYTES) throw new ProtocolError('truncated snapshot header');
    const dv = new DataView(body.buffer, body.byteOffset, body.byteLength);
    const total = dv.getUint32(0, true) + dv.getUint32(4, true) * TWO_32;
    if (total > this.maxSnapshotBytes) {
      throw new ProtocolError(`snapshot of ${total} bytes exceeds the limit of ${this.maxSnapshotBytes}`);
    }
    let head: Message;
    try {
      head = decodeMessage(body.subarray(TOTAL_BYTES));
    } catch (err) {
      // Its chunks would follow with nothing to attach them to: the stream is unusable.
      throw new ProtocolError('undecodable snapshot header', { cause: err });
    }
    if (head.snapshot === null || head.snapshot.data.length !== 0) throw new ProtocolError('malformed snapshot header');
    // Not zero-filled: it is delivered only once every byte has been received.
    const pending = { head, data: total === 0 ? EMPTY : Buffer.allocUnsafe(total), have: 0 };
    if (total === 0) this.deliverSnapshot(pending);
    else this.snapshot = pending;
  }

  private snapshotChunk(body: Uint8Array): void {
    const s = this.snapshot;
    if (s === null) throw new ProtocolError('snapshot chunk without a snapshot header');
    if (body.length === 0 || body.length > s.data.length - s.have) {
      throw new ProtocolError(`snapshot chunk of ${body.length} bytes does not fit (${s.have}/${s.data.length} received)`);
    }
    s.data.set(body, s.have);
    s.have += body.length;
    if (s.have === s.data.length) {
      this.snapshot = null;
      this.deliverSnapshot(s);
    }
  }

  private deliverSnapshot(s: PendingSnapshot): void {
    const meta = s.head.snapshot?.meta;
    assert(meta !== undefined);
    this.onMessage({ ...s.head, snapshot: { meta, data: s.data } });
  }
}
