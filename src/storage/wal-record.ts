// The WAL record format. One record:
//   u32 crc    CRC-32 of every byte after it (length, type, payload), little-endian
//   u32 length bytes of type + payload
//   u8  type   RecordType
//   payload
// The CRC comes first so a single CRC call covers the length too: a flipped length is caught
// by the checksum instead of silently moving the next record boundary.
import type { Entry, EntryType, HardState, Index, NodeId, Term } from '../raft/types.js';
import { crc32Range } from './crc32.js';

export const RecordType = {
  /** term u64, index u64, entry type u8, data. Index i discards every earlier entry >= i. */
  Entry: 1,
  /** term u64, commit u64, vote utf8. The last one read wins. */
  HardState: 2,
  /** index u64, term u64: a snapshot from the leader replaced the whole log (written after the
   *  snapshot file is durable). Every entry read before it is discarded. */
  SnapshotMarker: 3,
} as const;
export type RecordType = (typeof RecordType)[keyof typeof RecordType];

export const RECORD_HEADER_BYTES = 8;
const ENTRY_FIXED_BYTES = 17;
const HARD_STATE_FIXED_BYTES = 16;
const MARKER_BYTES = 16;
/** Larger "lengths" are damage, not data: no single record is allowed to be this big. */
export const MAX_RECORD_BYTES = 512 * 1024 * 1024;

const TWO_32 = 0x1_0000_0000;

export function writeU64(buf: Buffer, value: number, offset: number): void {
  buf.writeUInt32LE(value >>> 0, offset);
  buf.writeUInt32LE(Math.floor(value / TWO_32), offset + 4);
}

/** Returns -1 when the value is not a safe integer (damage, or a foreign writer). */
export function readU64(buf: Buffer, offset: number): number {
  const hi = buf.readUInt32LE(offset + 4);
  if (hi > 0x1f_ffff) return -1;
  return hi * TWO_32 + buf.readUInt32LE(offset);
}

export interface SnapshotMarker {
  readonly index: Index;
  readonly term: Term;
}

/** What one save() writes, in this order. */
export interface WalBatch {
  /** Restated at the start of a new segment so deleting older segments never loses it. */
  readonly segmentHeader?: HardState | null;
  readonly marker?: SnapshotMarker | null;
  readonly entries: readonly Entry[];
  readonly hardState?: HardState | null;
}

function sealRecord(buf: Buffer, start: number, type: RecordType, payloadBytes: number): number {
  const end = start + RECORD_HEADER_BYTES + 1 + payloadBytes;
  buf.writeUInt32LE(1 + payloadBytes, start + 4);
  buf[start + 8] = type;
  buf.writeUInt32LE(crc32Range(buf, start + 4, end), start);
  return end;
}

function hardStateBytes(hs: HardState): number {
  return RECORD_HEADER_BYTES + 1 + HARD_STATE_FIXED_BYTES + Buffer.byteLength(hs.vote, 'utf8');
}

function putHardState(buf: Buffer, at: number, hs: HardState): number {
  const p = at + RECORD_HEADER_BYTES + 1;
  writeU64(buf, hs.term, p);
  writeU64(buf, hs.commit, p + 8);
  const voteBytes = buf.write(hs.vote, p + 16, 'utf8');
  return sealRecord(buf, at, RecordType.HardState, HARD_STATE_FIXED_BYTES + voteBytes);
}

/** Encode a whole batch into one buffer: sized first, allocated once, filled in place. */
export function encodeBatch(batch: WalBatch): Buffer {
  let size = 0;
  if (batch.segmentHeader) size += hardStateBytes(batch.segmentHeader);
  if (batch.marker) size += RECORD_HEADER_BYTES + 1 + MARKER_BYTES;
  for (const e of batch.entries) size += RECORD_HEADER_BYTES + 1 + ENTRY_FIXED_BYTES + e.data.length;
  if (batch.hardState) size += hardStateBytes(batch.hardState);

  const buf = Buffer.allocUnsafe(size);
  let at = 0;
  if (batch.segmentHeader) at = putHardState(buf, at, batch.segmentHeader);
  if (batch.marker) {
    const p = at + RECORD_HEADER_BYTES + 1;
    writeU64(buf, batch.marker.index, p);
    writeU64(buf, batch.marker.term, p + 8);
    at = sealRecord(buf, at, RecordType.SnapshotMarker, MARKER_BYTES);
  }
  for (const e of batch.entries) {
    const p = at + RECORD_HEADER_BYTES + 1;
    writeU64(buf, e.term, p);
    writeU64(buf, e.index, p + 8);
    buf[p + 16] = e.type;
    buf.set(e.data, p + ENTRY_FIXED_BYTES);
    at = sealRecord(buf, at, RecordType.Entry, ENTRY_FIXED_BYTES + e.data.length);
  }
  if (batch.hardState) at = putHardState(buf, at, batch.hardState);
  if (at !== size) throw new Error(`encodeBatch: sized ${size} bytes, wrote ${at}`);
  return buf;
}

export type RecordCheck =
  | { readonly ok: true; readonly type: number; readonly end: number }
  | { readonly ok: false; readonly reason: string };

/** Is there a whole, checksum-valid record at `offset`? (Type is not judged here.) */
export function checkRecordAt(buf: Buffer, offset: number): RecordCheck {
  if (buf.length - offset < RECORD_HEADER_BYTES + 1) return { ok: false, reason: 'incomplete record header' };
  const length = buf.readUInt32LE(offset + 4);
  if (length < 1 || length > MAX_RECORD_BYTES) return { ok: false, reason: `impossible record length ${length}` };
  const end = offset + RECORD_HEADER_BYTES + length;
  if (end > buf.length) return { ok: false, reason: `record of ${length} bytes runs past end of file` };
  if (crc32Range(buf, offset + 4, end) !== buf.readUInt32LE(offset)) return { ok: false, reason: 'checksum mismatch' };
  return { ok: true, type: buf[offset + 8]!, end };
}

/** First offset after `from` holding a valid record, or -1. Used only on the error path to
 *  tell a torn tail (nothing valid follows) from damage in the middle (valid data follows). */
export function findValidRecordAfter(buf: Buffer, from: number): number {
  for (let at = from + 1; at + RECORD_HEADER_BYTES + 1 <= buf.length; at++) {
    const length = buf.readUInt32LE(at + 4);
    if (length < 1 || at + RECORD_HEADER_BYTES + length > buf.length) continue;
    if (checkRecordAt(buf, at).ok) return at;
  }
  return -1;
}

/** Payload decoders; `start` is the first payload byte, `end` the record end. Return null when
 *  the payload is malformed (checksum-valid but impossible: a writer bug or foreign file). */
export function decodeEntry(buf: Buffer, start: number, end: number): Entry | null {
  if (end - start < ENTRY_FIXED_BYTES) return null;
  const t = readU64(buf, start);
  const i = readU64(buf, start + 8);
  const type = buf[start + 16]!;
  if (t < 0 || i < 1 || (type !== 0 && type !== 1)) return null;
    // A plain Uint8Array view: cheaper to create than a Buffer subarray, and no copy.
  const data = new Uint8Array(buf.buffer, buf.byteOffset + start + ENTRY_FIXED_BYTES, end - start - ENTRY_FIXED_BYTES);
  return { term: t as Term, index: i as Index, type: type as EntryType, data };
}

export function decodeHardState(buf: Buffer, start: number, end: number): HardState | null {
  if (end - start < HARD_STATE_FIXED_BYTES) return null;
  const t = readU64(buf, start);
  const commit = readU64(buf, start + 8);
  if (t < 0 || commit < 0) return null;
  return { term: t as Term, commit: commit as Index, vote: buf.toString('utf8', start + 16, end) as NodeId };
}

export function decodeMarker(buf: Buffer, start: number, end: number): SnapshotMarker | null {
  if (end - start !== MARKER_BYTES) return null;
  const i = readU64(buf, start);
  const t = readU64(buf, start + 8);
  if (i < 0 || t < 0) return null;
  return { index: i as Index, term: t as Term };
}

export const RECORD_PAYLOAD_OFFSET = RECORD_HEADER_BYTES + 1;
