import type { FsSeam } from './fs-seam.js';

export interface StorageOptions {
  /** A segment is closed and a new one started once it reaches this size. Default 64 MiB. */
  readonly segmentBytes?: number;
  /** A segment is zero-filled this many bytes ahead of its data (see wal-segment-file.ts); 0 turns
   *  it off. Default: 4 MiB, or the segment size if smaller. */
  readonly preallocateBytes?: number;
  /** fdatasync/fsync for real. Default true; false only in tests that say so (no durability). */
  readonly fsync?: boolean;
  /** The file system to use; tests inject a faulty one. Default: the real one. */
  readonly fs?: FsSeam;
}

export const DEFAULT_SEGMENT_BYTES = 64 * 1024 * 1024;

/** Zero-filled ahead of a segment's data: a few ms of background I/O per chunk. */
export const DEFAULT_PREALLOCATE_BYTES = 4 * 1024 * 1024;
