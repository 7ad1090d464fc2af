// The only file-system calls storage makes. Everything goes through this seam so tests can
// inject crashes, torn writes and I/O errors (see fault-fs.ts).
import fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';

/** Batches up to this size are written synchronously (a memcpy into the page cache). */
const SYNC_WRITE_MAX_BYTES = 256 * 1024;

/** A file opened for appending: every write goes to the current end. */
export interface AppendFile {
  /** Append all of `data` (one write call for the caller; the seam loops on short writes). */
  append(data: Uint8Array): Promise<void>;
  /** fdatasync: the file's data and size are durable when this resolves. */
  datasync(): Promise<void>;
  /** Cut the file to `size` bytes; later appends continue from there. Durable after datasync. */
  truncate(size: number): Promise<void>;
  close(): Promise<void>;
}

export interface FsSeam {
  /** True for seams over the machine's real disk: they share one in-process lock registry. */
  readonly realDisk?: boolean;
  /** Create `path` and its parents; no error if it exists. */
  mkdir(path: string): Promise<void>;
  readdir(path: string): Promise<string[]>;
  readFile(path: string): Promise<Uint8Array>;
  /** Open for appending, creating an empty file if missing; `truncate` empties it first. */
  openAppend(path: string, options?: { truncate?: boolean }): Promise<AppendFile>;
  /** Create a new file holding `data`; rejects with code EEXIST if it exists. Not synced. */
  createExclusive(path: string, data: Uint8Array): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  unlink(path: string): Promise<void>;
  /** fsync a directory so entries created, renamed or removed in it survive a crash. */
  fsyncDir(path: string): Promise<void>;
}

class RealAppendFile implements AppendFile {
  constructor(
    private readonly fh: FileHandle,
    private readonly sync: boolean,
  ) {}

  /**
   * A small batch goes to the page cache with a synchronous write (microseconds, and no thread
   * pool round trip on the hot path of every commit); a large one goes through the thread pool
   * so the event loop never stalls on it. Durability comes only from datasync() either way.
   */
  append(data: Uint8Array): Promise<void> {
    if (data.length <= SYNC_WRITE_MAX_BYTES) {
      try {
        let offset = 0;
        while (offset < data.length) offset += fs.writeSync(this.fh.fd, data, offset, data.length - offset);
        return Promise.resolve();
      } catch (err) {
        return Promise.reject(err);
      }
    }
    return new Promise((resolve, reject) => {
      const step = (offset: number): void => {
        if (offset >= data.length) return resolve();
        fs.write(this.fh.fd, data, offset, data.length - offset, null, (err, written) => (err ? reject(err) : step(offset + written)));
      };
      step(0);
    });
  }

  datasync(): Promise<void> {
    if (!this.sync) return Promise.resolve();
    // The callback API: measurably cheaper per call than FileHandle.datasync() on this path.
    return new Promise((resolve, reject) => fs.fdatasync(this.fh.fd, (err) => (err ? reject(err) : resolve())));
  }

  truncate(size: number): Promise<void> {
    return this.fh.truncate(size);
  }

  close(): Promise<void> {
    return this.fh.close();
  }
}

const realSeams = new Map<boolean, FsSeam>();

/** The real file system. With `sync: false` every datasync/fsyncDir is skipped (tests only).
 *  One instance per setting: the data-dir lock remembers in-process holders per seam. */
export function realFs(options: { sync?: boolean } = {}): FsSeam {
  const sync = options.sync ?? true;
  let seam = realSeams.get(sync);
  if (!seam) realSeams.set(sync, (seam = makeRealFs(sync)));
  return seam;
}

function makeRealFs(sync: boolean): FsSeam {
  return {
    realDisk: true,
    async mkdir(path) {
      await fsp.mkdir(path, { recursive: true });
    },
    readdir: (path) => fsp.readdir(path),
    readFile: (path) => fsp.readFile(path),
    async openAppend(path, opts) {
      if (opts?.truncate) await fsp.writeFile(path, new Uint8Array(0));
      return new RealAppendFile(await fsp.open(path, 'a'), sync);
    },
    createExclusive: (path, data) => fsp.writeFile(path, data, { flag: 'wx' }),
    rename: (from, to) => fsp.rename(from, to),
    unlink: (path) => fsp.unlink(path),
    async fsyncDir(path) {
      if (!sync) return;
      const fh = await fsp.open(path, 'r');
      try {
        await fh.sync();
      } finally {
        await fh.close();
      }
    },
  };
}
