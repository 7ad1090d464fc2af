// Replays WAL segments into the logical log they describe. Pure: buffers in, state out.
// Rules (see wal-record.ts for the format):
//  - an entry at index i discards every entry >= i read before it (logical suffix truncation);
//  - a snapshot marker discards every entry read before it; the next entry must follow it;
//  - the last hard state wins;
//  - where only zero bytes remain, a segment's data ends: the rest is preallocated space;
//  - a bad record at the end of the LAST segment with nothing valid after it is a torn tail
//    (the unsynced end of the last write): replay stops there and reports where to cut;
//  - any other bad record, an index gap or an unknown record type is corruption.
import type { Entry, HardState } from '../raft/types.js';
import { StorageCorruptionError } from './errors.js';
import {
  RECORD_PAYLOAD_OFFSET,
  RecordType,
  checkRecordAt,
  decodeEntry,
  decodeHardState,
  decodeMarker,
  findValidRecordAfter,
  type SnapshotMarker,
} from './wal-record.js';

export interface SegmentInput {
  readonly seq: number;
  /** For error messages. */
  readonly path: string;
  readonly buf: Buffer;
}

/** What compaction needs to know about a segment. */
export interface SegmentSummary {
  readonly seq: number;
  readonly path: string;
  /** Bytes of valid data (after cutting a torn tail): where the next record goes. */
  bytes: number;
  /** Bytes in the file: valid data, then a torn tail and/or zero-filled (preallocated) space. */
  readonly fileBytes: number;
  /** Highest entry or marker index in the segment; 0 if it holds neither. */
  maxContentIndex: number;
  hasMarker: boolean;
}

export interface ReplayResult {
  readonly hardState: HardState | null;
  /** The logical log, contiguous; not yet cut at the snapshot. */
  readonly entries: Entry[];
  /** Where entries[0] was read, for error messages. */
  readonly firstEntryAt: { readonly path: string; readonly offset: number } | null;
  /** The last marker read, if entries were reset by it (no entry record between is lost). */
  readonly lastMarker: SnapshotMarker | null;
  /** Every marker read, as "index-term". */
  readonly markers: ReadonlySet<string>;
  readonly segments: SegmentSummary[];
  /** Offset in the last segment where a torn tail starts, or null when it ends cleanly. */
  readonly tornTailAt: number | null;
}

export const markerKey = (index: number, term: number): string => `${index}-${term}`;

export function replaySegments(inputs: readonly SegmentInput[]): ReplayResult {
  const entries: Entry[] = [];
  let firstEntryAt: { path: string; offset: number } | null = null;
  let hardState: HardState | null = null;
  let lastMarker: SnapshotMarker | null = null;
  const markers = new Set<string>();
  const segments: SegmentSummary[] = [];
  let tornTailAt: number | null = null;

  for (let s = 0; s < inputs.length; s++) {
    const { seq, path, buf } = inputs[s]!;
    const isLast = s === inputs.length - 1;
    if (s > 0 && seq !== inputs[s - 1]!.seq + 1) {
      throw new StorageCorruptionError(path, 0, `segment ${inputs[s - 1]!.seq + 1} is missing before it`);
    }
    const summary: SegmentSummary = { seq, path, bytes: buf.length, fileBytes: buf.length, maxContentIndex: 0, hasMarker: false };
    segments.push(summary);
    const corrupt = (offset: number, detail: string): never => {
      throw new StorageCorruptionError(path, offset, detail);
    };

    let off = 0;
    while (off < buf.length) {
      const rec = checkRecordAt(buf, off);
      if (!rec.ok) {
        if (allZero(buf, off)) {
          summary.bytes = off;
          break;
        }
        if (isLast && findValidRecordAfter(buf, off) < 0) {
          tornTailAt = off;
          summary.bytes = off;
          break;
        }
        corrupt(off, `${rec.reason}${isLast ? ', and valid records follow it' : ' (not in the last segment)'}`);
      }
      if (!rec.ok) break; // unreachable; narrows the type
      const start = off + RECORD_PAYLOAD_OFFSET;
      switch (rec.type) {
        case RecordType.Entry: {
          const e = decodeEntry(buf, start, rec.end) ?? corrupt(off, 'malformed entry record');
          const n = entries.length;
          if (n === 0) {
            if (lastMarker && e.index !== lastMarker.index + 1) {
              corrupt(off, `entry ${e.index} does not follow snapshot marker ${lastMarker.index}`);
            }
            firstEntryAt = { path, offset: off };
          } else {
            const first = entries[0]!.index;
            const last = first + n - 1;
            if (e.index > last + 1) corrupt(off, `entry ${e.index} leaves a gap after ${last}`);
            if (e.index < first) {
              entries.length = 0;
              firstEntryAt = { path, offset: off };
            } else if (e.index <= last) {
              entries.length = e.index - first;
            }
          }
          entries.push(e);
          if (e.index > summary.maxContentIndex) summary.maxContentIndex = e.index;
          break;
        }
        case RecordType.HardState:
          hardState = decodeHardState(buf, start, rec.end) ?? corrupt(off, 'malformed hard state record');
          break;
        case RecordType.SnapshotMarker: {
          const m = decodeMarker(buf, start, rec.end) ?? corrupt(off, 'malformed snapshot marker');
          entries.length = 0;
          firstEntryAt = null;
          lastMarker = m;
          markers.add(markerKey(m.index, m.term));
          summary.hasMarker = true;
          if (m.index > summary.maxContentIndex) summary.maxContentIndex = m.index;
          break;
        }
        default:
          corrupt(off, `unknown record type ${rec.type}`);
      }
      off = rec.end;
    }
  }
  return { hardState, entries, firstEntryAt, lastMarker, markers, segments, tornTailAt };
}

/** Nothing but zero bytes from `from` to the end of `buf`. */
function allZero(buf: Buffer, from: number): boolean {
  for (let i = from; i < buf.length; i++) if (buf[i] !== 0) return false;
  return true;
}
