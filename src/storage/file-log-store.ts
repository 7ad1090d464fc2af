// The LogStore on real files: a segmented WAL (wal/<16-digit seq>.wal) plus snapshot files
// (snap/<index>-<term>.snap) in one locked data directory.
//
// Durability rules this file keeps:
//  - save() encodes its whole update into one buffer, writes it with one append and makes it
//    durable with one fdatasync; a new segment additionally gets one directory fsync. The
//    segment is zero-filled ahead of the data (wal-segment-file.ts), so that fdatasync has
//    only data to flush.
//  - A leader snapshot is durable as a file before the WAL marker that activates it is written.
//  - Segments are deleted oldest first, each deletion made durable before the next, so the
//    surviving segments are always a contiguous run.
//  - After any I/O error the store refuses all further writes: the node must stop.
import { join } from 'node:path';
import type { Entry, HardState, Index, RestoredState, Snapshot } from '../raft/types.js';
import { NONE } from '../raft/types.js';
import type { LogStore, LogUpdate, OpenedStore } from './log-store.js';
import { acquireDataDirLock, type DataDirLock } from './data-dir-lock.js';
import { StorageClosedError, StorageCorruptionError, StorageIOError } from './errors.js';
import { realFs, type FsSeam } from './fs-seam.js';
import { DEFAULT_PREALLOCATE_BYTES, DEFAULT_SEGMENT_BYTES, type StorageOptions } from './options.js';
import {
  SnapshotOrigin,
  decodeSnapshotFile,
  parseSnapshotFileName,
  writeSnapshotFile,
  type SnapshotFileName,
} from './snapshot-file.js';
import { encodeBatch, type SnapshotMarker } from './wal-record.js';
import { markerKey, replaySegments, type SegmentSummary } from './wal-replay.js';
import { WalSegmentFile } from './wal-segment-file.js';

const SEGMENT_NAME = /^(\d{16})\.wal$/;
const segmentFileName = (seq: number): string => `${String(seq).padStart(16, '0')}.wal`;
const EMPTY_HARD_STATE: HardState = { term: 0 as HardState['term'], vote: NONE, commit: 0 as Index };

function assert(cond: boolean, message: string): asserts cond {
  if (!cond) throw new Error(`storage invariant violated: ${message}`);
}

class FileLogStore implements LogStore {
  private failure: unknown = null;
  private closed = false;
  /** Serializes snapshot writes and compaction (saveSnapshot may overlap a save()). */
  private snapshotChain: Promise<unknown> = Promise.resolve();
  private inflightSave: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly fs: FsSeam,
    private readonly walDir: string,
    private readonly snapDir: string,
    private readonly segmentBytes: number,
    private readonly preallocateBytes: number,
    private readonly lock: DataDirLock,
    private readonly segments: SegmentSummary[],
    private active: WalSegmentFile,
    private hardState: HardState,
    private latest: Snapshot | null,
    /** Last index of the logical log (the snapshot index when the log after it is empty). */
    private lastIndex: number,
  ) {}

  latestSnapshot(): Snapshot | null {
    return this.latest;
  }

  save(update: LogUpdate): Promise<void> {
    const p = this.checkWritable().then(() =>
      update.snapshot ? this.exclusive(() => this.saveWithSnapshot(update, update.snapshot!)) : this.appendBatch(update, null),
    );
    this.inflightSave = p.catch(() => undefined);
    return p;
  }

  saveSnapshot(snapshot: Snapshot): Promise<void> {
    return this.checkWritable().then(() =>
      this.exclusive(async () => {
        if (this.latest && snapshot.meta.index <= this.latest.meta.index) return;
        await this.io('write snapshot', () => writeSnapshotFile(this.fs, this.snapDir, snapshot, SnapshotOrigin.Local));
        this.latest = snapshot;
        await this.compact(snapshot.meta.index);
      }),
    );
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled([this.inflightSave, this.snapshotChain]);
    try {
      await this.active.close();
    } finally {
      await this.lock.release();
    }
  }

  private async checkWritable(): Promise<void> {
    if (this.closed) throw new StorageClosedError('log store is closed');
    if (this.failure) throw new StorageIOError('log store stopped after an earlier I/O error', { cause: this.failure });
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.snapshotChain.then(fn);
    this.snapshotChain = run.catch(() => undefined);
    return run;
  }

  /** Run an I/O step; a failure poisons the store and surfaces as StorageIOError. */
  private async io<T>(what: string, fn: () => Promise<T>): Promise<T> {
    if (this.failure) throw new StorageIOError('log store stopped after an earlier I/O error', { cause: this.failure });
    try {
      return await fn();
    } catch (err) {
      this.failure = err;
      throw new StorageIOError(`storage: ${what} failed: ${(err as Error)?.message ?? String(err)}`, { cause: err });
    }
  }

  private async saveWithSnapshot(update: LogUpdate, snapshot: Snapshot): Promise<void> {
    const { index, term } = snapshot.meta;
    assert(update.entries.length === 0 || update.entries[0]!.index === index + 1, `entries after snapshot ${index} start at ${update.entries[0]?.index}`);
    await this.io('write snapshot', () => writeSnapshotFile(this.fs, this.snapDir, snapshot, SnapshotOrigin.Leader));
    await this.appendBatch(update, { index, term });
    if (!this.latest || index >= this.latest.meta.index) this.latest = snapshot;
    await this.compact(index);
  }

  private async appendBatch(update: LogUpdate, marker: SnapshotMarker | null): Promise<void> {
    const { entries, hardState } = update;
    if (entries.length > 0) {
      const first = entries[0]!.index;
      const base = marker ? marker.index : this.lastIndex;
      assert(first <= base + 1, `entries start at ${first}, after a log ending at ${base}`);
      assert(entries[entries.length - 1]!.index === first + entries.length - 1, 'entries in one update are not contiguous');
    } else if (!hardState && !marker) {
      return;
    }
    const current = this.segments[this.segments.length - 1]!;
    const roll = current.bytes >= this.segmentBytes;
    const buf = encodeBatch({ segmentHeader: roll ? this.hardState : null, marker, entries, hardState });

    await this.io('append to the log', async () => {
      let target = current;
      if (roll) {
        target = { seq: current.seq + 1, path: join(this.walDir, segmentFileName(current.seq + 1)), bytes: 0, fileBytes: 0, maxContentIndex: 0, hasMarker: false };
        const file = await this.fs.openAppend(target.path, { truncate: true });
        const next = new WalSegmentFile(file, 0, 0, this.segmentBytes, this.preallocateBytes);
        const old = this.active;
        this.active = next;
        this.segments.push(target);
        await old.close();
      }
      await this.active.append(buf);
      await this.active.datasync();
      if (roll) await this.fs.fsyncDir(this.walDir);
      target.bytes += buf.length;
    });

    const target = this.segments[this.segments.length - 1]!;
    if (marker) {
      target.hasMarker = true;
      target.maxContentIndex = Math.max(target.maxContentIndex, marker.index);
      this.lastIndex = marker.index;
    }
    if (entries.length > 0) {
      const last = entries[entries.length - 1]!.index;
      target.maxContentIndex = Math.max(target.maxContentIndex, last);
      this.lastIndex = last;
    }
    if (hardState) this.hardState = hardState;
  }

  /** Drop what `snapshotIndex` made redundant: older snapshot files, then the oldest segments
   *  whose content is all covered by it or that precede a snapshot marker. Never the active one. */
  private async compact(snapshotIndex: number): Promise<void> {
    const segs = this.segments;
    let lastMarkerPos = -1;
    for (let i = 0; i < segs.length; i++) if (segs[i]!.hasMarker) lastMarkerPos = i;
    const victims: SegmentSummary[] = [];
    for (let i = 0; i < segs.length - 1; i++) {
      const seg = segs[i]!;
      if (seg.maxContentIndex <= snapshotIndex || i < lastMarkerPos) victims.push(seg);
      else break;
    }
    for (const seg of victims) {
      await this.io('delete a compacted segment', async () => {
        await this.fs.unlink(seg.path);
        await this.fs.fsyncDir(this.walDir);
      });
      segs.splice(segs.indexOf(seg), 1);
    }
    const latestIndex = this.latest?.meta.index ?? 0;
    const names = await this.io('list snapshots', () => this.fs.readdir(this.snapDir));
    for (const name of names) {
      const parsed = parseSnapshotFileName(name);
      if (parsed && parsed.index < latestIndex) await this.io('delete an old snapshot', () => this.fs.unlink(join(this.snapDir, name)));
    }
  }
}

function errCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | null)?.code;
}

/** Open (creating if needed) the data directory `dir`, lock it, and recover its state. */
export async function openLogStore(dir: string, options: StorageOptions = {}): Promise<OpenedStore> {
  const fs = options.fs ?? realFs({ sync: options.fsync ?? true });
  const segmentBytes = options.segmentBytes ?? DEFAULT_SEGMENT_BYTES;
  const preallocateBytes = options.preallocateBytes ?? Math.min(segmentBytes, DEFAULT_PREALLOCATE_BYTES);
  const walDir = join(dir, 'wal');
  const snapDir = join(dir, 'snap');
  await fs.mkdir(walDir);
  await fs.mkdir(snapDir);
  const lock = await acquireDataDirLock(fs, dir);
  try {
    return await recover(fs, dir, walDir, snapDir, { segmentBytes, preallocateBytes }, lock);
  } catch (err) {
    await lock.release();
    throw err;
  }
}

interface SegmentSizes {
  readonly segmentBytes: number;
  readonly preallocateBytes: number;
}

async function recover(fs: FsSeam, dir: string, walDir: string, snapDir: string, sizes: SegmentSizes, lock: DataDirLock): Promise<OpenedStore> {
  // New directories must survive a crash too.
  await fs.fsyncDir(dir);

  const segmentSeqs = (await fs.readdir(walDir))
    .map((name) => SEGMENT_NAME.exec(name))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]))
    .sort((a, b) => a - b);
  const inputs = [];
  for (const seq of segmentSeqs) {
    const path = join(walDir, segmentFileName(seq));
    inputs.push({ seq, path, buf: Buffer.from(await fs.readFile(path)) });
  }
  const wal = replaySegments(inputs);
  inputs.length = 0;

  const snapshot = await loadSnapshot(fs, snapDir, wal.markers);
  const snapIndex = snapshot?.meta.index ?? 0;
  if (wal.lastMarker && wal.lastMarker.index > snapIndex) {
    throw new StorageCorruptionError(snapDir, 0, `the log installed snapshot ${wal.lastMarker.index}-${wal.lastMarker.term} but the newest snapshot file is ${snapIndex}`);
  }

  let entries: Entry[] = wal.entries;
  let cut = 0;
  while (cut < entries.length && entries[cut]!.index <= snapIndex) cut++;
  if (cut > 0) entries = entries.slice(cut);
  const first = entries[0];
  if (first && first.index !== snapIndex + 1) {
    const at = wal.firstEntryAt ?? { path: walDir, offset: 0 };
    throw new StorageCorruptionError(at.path, at.offset, `log starts at ${first.index} but the snapshot ends at ${snapIndex}`);
  }
  const walLast = wal.entries.length > 0 ? wal.entries[wal.entries.length - 1]!.index : (wal.lastMarker?.index ?? 0);

  const stored = wal.hardState ?? EMPTY_HARD_STATE;
  // A snapshot holds only committed state, so its index is a lower bound for commit.
  const hardState: HardState = stored.commit < snapIndex ? { ...stored, commit: snapIndex as Index } : stored;

  // Prepare the active segment: cut a torn tail, and make sure the log is self-describing.
  const segments = wal.segments;
  let isNew = false;
  if (segments.length === 0) {
    const seq = 0;
    segments.push({ seq, path: join(walDir, segmentFileName(seq)), bytes: 0, fileBytes: 0, maxContentIndex: 0, hasMarker: false });
    isNew = true;
  }
  const tail = segments[segments.length - 1]!;
  const file = await fs.openAppend(tail.path);
  let active: WalSegmentFile;
  try {
    // A torn tail is cut off (zeros after it go too, and are filled in again); otherwise the
    // zeros after the data are the segment's preallocated space.
    if (wal.tornTailAt !== null) await file.truncate(wal.tornTailAt);
    const zeroedTo = wal.tornTailAt !== null ? tail.bytes : tail.fileBytes;
    active = new WalSegmentFile(file, tail.bytes, zeroedTo, sizes.segmentBytes, sizes.preallocateBytes);
    // Every segment starts with the hard state; and if the snapshot runs past the log (state
    // applied beyond what was durable), a marker keeps the next append contiguous on replay.
    const needMarker = snapshot !== null && walLast < snapIndex;
    const batch = encodeBatch({
      segmentHeader: tail.bytes === 0 ? stored : null,
      marker: needMarker ? { index: snapshot.meta.index, term: snapshot.meta.term } : null,
      entries: [],
    });
    if (batch.length > 0) await active.append(batch);
    if (batch.length > 0 || wal.tornTailAt !== null) await active.datasync();
    if (isNew) await fs.fsyncDir(walDir);
    tail.bytes += batch.length;
    if (needMarker) {
      tail.hasMarker = true;
      tail.maxContentIndex = Math.max(tail.maxContentIndex, snapIndex);
    }
  } catch (err) {
    await file.close().catch(() => undefined);
    throw new StorageIOError(`storage: preparing ${tail.path} failed: ${(err as Error)?.message}`, { cause: err });
  }

  const lastIndex = entries.length > 0 ? entries[entries.length - 1]!.index : snapIndex;
  const store = new FileLogStore(fs, walDir, snapDir, sizes.segmentBytes, sizes.preallocateBytes, lock, segments, active, stored, snapshot, lastIndex);
  const restored: RestoredState = { hardState, snapshot, entries };
  return { store, restored };
}

/** The newest snapshot, verified. A leader snapshot whose WAL marker never became durable is an
 *  install that did not finish: it is discarded. Any other damage refuses to start, because
 *  falling back to an older snapshot could silently lose compacted log entries. */
async function loadSnapshot(fs: FsSeam, snapDir: string, markers: ReadonlySet<string>): Promise<Snapshot | null> {
  const names: SnapshotFileName[] = [];
  for (const name of await fs.readdir(snapDir)) {
    if (name.endsWith('.tmp')) {
      await fs.unlink(join(snapDir, name)).catch((err: unknown) => {
        if (errCode(err) !== 'ENOENT') throw err;
      });
      continue;
    }
    const parsed = parseSnapshotFileName(name);
    if (parsed) names.push(parsed);
  }
  names.sort((a, b) => b.index - a.index || b.term - a.term);
  for (let i = 0; i < names.length; i++) {
    const candidate = names[i]!;
    const path = join(snapDir, candidate.name);
    const decoded = decodeSnapshotFile(Buffer.from(await fs.readFile(path)), path, candidate);
    if (decoded.origin === SnapshotOrigin.Leader && !markers.has(markerKey(candidate.index, candidate.term))) {
      if (i === 0) {
        await fs.unlink(path);
        await fs.fsyncDir(snapDir);
        continue;
      }
      throw new StorageCorruptionError(path, 0, 'leader snapshot without its log marker is not the newest snapshot');
    }
    return decoded.snapshot;
  }
  return null;
}
