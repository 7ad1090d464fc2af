import type { FsSeam } from './fs-seam.js';

export interface StorageOptions {
  /** A segment is closed and a new one started once it reaches this size. Default 64 MiB. */
  readonly segmentBytes?: number;
  /** fdatasync/fsync for real. Default true; false only in tests that say so (no durability). */
  readonly fsync?: boolean;
  /** The file system to use; tests inject a faulty one. Default: the real one. */
  readonly fs?: FsSeam;
}

export const DEFAULT_SEGMENT_BYTES = 64 * 1024 * 1024;
