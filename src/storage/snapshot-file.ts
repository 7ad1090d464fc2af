// Snapshot files: snap/<index>-<term>.snap, written to a .tmp file, fsynced, renamed, and the
// directory fsynced, so a snapshot file either exists whole or not at all.
//   "RKVSNAP1" | u32 metaBytes | meta | data | u32 CRC-32 of everything before it
//   meta: u8 origin | u64 index | u64 term | u64 dataBytes | u32 voters | (u16 len, utf8)*
import { join } from 'node:path';
import type { Index, NodeId, Snapshot, Term } from '../raft/types.js';
import { crc32 } from './crc32.js';
import { StorageCorruptionError } from './errors.js';
import type { FsSeam } from './fs-seam.js';
import { readU64, writeU64 } from './wal-record.js';

export const SnapshotOrigin = {
  /** The driver's own snapshot of applied state (saveSnapshot). */
  Local: 0,
  /** Received from the leader (save({snapshot})): valid only once its WAL marker is durable. */
  Leader: 1,
} as const;
export type SnapshotOrigin = (typeof SnapshotOrigin)[keyof typeof SnapshotOrigin];

const MAGIC = Buffer.from('RKVSNAP1', 'latin1');
const NAME = /^(\d{16})-(\d{16})\.snap$/;

export interface SnapshotFileName {
  readonly name: string;
  readonly index: number;
  readonly term: number;
}

export function snapshotFileName(index: number, term: number): string {
  return `${String(index).padStart(16, '0')}-${String(term).padStart(16, '0')}.snap`;
}

export function parseSnapshotFileName(name: string): SnapshotFileName | null {
  const m = NAME.exec(name);
  if (!m) return null;
  return { name, index: Number(m[1]), term: Number(m[2]) };
}

function encodeHeader(snapshot: Snapshot, origin: SnapshotOrigin): Buffer {
  const voters = snapshot.meta.conf.voters.map((v) => Buffer.from(v, 'utf8'));
  const metaBytes = 1 + 8 + 8 + 8 + 4 + voters.reduce((n, v) => n + 2 + v.length, 0);
  const buf = Buffer.allocUnsafe(MAGIC.length + 4 + metaBytes);
  MAGIC.copy(buf, 0);
  buf.writeUInt32LE(metaBytes, 8);
  let at = 12;
  buf[at++] = origin;
  writeU64(buf, snapshot.meta.index, at);
  writeU64(buf, snapshot.meta.term, at + 8);
  writeU64(buf, snapshot.data.length, at + 16);
  buf.writeUInt32LE(voters.length, at + 24);
  at += 28;
  for (const v of voters) {
    buf.writeUInt16LE(v.length, at);
    v.copy(buf, at + 2);
    at += 2 + v.length;
  }
  return buf;
}

/** Write `snapshot` durably under `dir`; returns the file name. The data is not copied. */
export async function writeSnapshotFile(fs: FsSeam, dir: string, snapshot: Snapshot, origin: SnapshotOrigin): Promise<string> {
  const name = snapshotFileName(snapshot.meta.index, snapshot.meta.term);
  const tmp = join(dir, `${name}.tmp`);
  const header = encodeHeader(snapshot, origin);
  const trailer = Buffer.allocUnsafe(4);
  trailer.writeUInt32LE(crc32(snapshot.data, crc32(header)), 0);
  const file = await fs.openAppend(tmp, { truncate: true });
  try {
    await file.append(header);
    await file.append(snapshot.data);
    await file.append(trailer);
    await file.datasync();
  } finally {
    await file.close();
  }
  await fs.rename(tmp, join(dir, name));
  await fs.fsyncDir(dir);
  return name;
}

export interface DecodedSnapshot {
  readonly snapshot: Snapshot;
  readonly origin: SnapshotOrigin;
}

/** Parse and verify a whole snapshot file; any damage throws StorageCorruptionError. */
export function decodeSnapshotFile(buf: Buffer, file: string, expected: SnapshotFileName): DecodedSnapshot {
  const fail = (offset: number, detail: string): never => {
    throw new StorageCorruptionError(file, offset, detail);
  };
  if (buf.length < MAGIC.length + 4 + 4 || !buf.subarray(0, 8).equals(MAGIC)) fail(0, 'not a snapshot file (bad magic or too short)');
  const stored = buf.readUInt32LE(buf.length - 4);
  if (crc32(buf.subarray(0, buf.length - 4)) !== stored) fail(buf.length - 4, 'snapshot checksum mismatch');
  // The checksum holds, so what follows is what we wrote; the checks below catch writer bugs.
  const metaBytes = buf.readUInt32LE(8);
  const metaEnd = 12 + metaBytes;
  if (metaEnd > buf.length - 4 || metaBytes < 29) fail(8, `bad meta length ${metaBytes}`);
  let at = 12;
  const origin = buf[at++]!;
  const index = readU64(buf, at);
  const term = readU64(buf, at + 8);
  const dataBytes = readU64(buf, at + 16);
  const voterCount = buf.readUInt32LE(at + 24);
  at += 28;
  if (origin !== SnapshotOrigin.Local && origin !== SnapshotOrigin.Leader) fail(12, `unknown origin ${origin}`);
  if (index !== expected.index || term !== expected.term) fail(13, `meta says ${index}-${term}, name says ${expected.index}-${expected.term}`);
  const voters: NodeId[] = [];
  for (let i = 0; i < voterCount; i++) {
    if (at + 2 > metaEnd) fail(at, 'voter list runs past meta');
    const len = buf.readUInt16LE(at);
    if (at + 2 + len > metaEnd) fail(at, 'voter name runs past meta');
    voters.push(buf.toString('utf8', at + 2, at + 2 + len) as NodeId);
    at += 2 + len;
  }
  if (metaEnd + dataBytes !== buf.length - 4) fail(28, `data length ${dataBytes} does not match file size`);
  return {
    snapshot: { meta: { index: index as Index, term: term as Term, conf: { voters } }, data: buf.subarray(metaEnd, metaEnd + dataBytes) },
    origin: origin as SnapshotOrigin,
  };
}
