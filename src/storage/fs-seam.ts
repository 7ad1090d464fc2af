// The only file-system calls storage makes. Everything goes through this seam so tests can
// inject crashes, torn writes and I/O errors (see fault-fs.ts).
import fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';

/** Batches up to this size are written synchronously (a memcpy into the page cache). */
const SYNC_WRITE_MAX_BYTES = 256 * 1024;

/**
 * A file opened for writing at a position that starts at its end and advances with each append.
 * Not O_APPEND: a WAL segment is zero-filled ahead of its data (preallocated) and its records
 * overwrite the zeros, so that fdatasync has no file size or block allocation to journal.
 */
export interface AppendFile {
  /** Write all of `data` at the write position (one call for the caller; the seam loops on short
   *  writes), then move the position past it. */
  append(data: Uint8Array): Promise<void>;
  /** Write `bytes` zero bytes at `from` (through the thread pool); the write position stays. */
  zeroFill(from: number, bytes: number): Promise<void>;
  /** Later appends write from `position`, over whatever is there. */
  seek(position: number): void;
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
  /** Open for writing at its end, creating an empty file if missing; `truncate` empties it first. */
  openAppend(path: string, options?: { truncate?: boolean }): Promise<AppendFile>;
  /** Create a new file holding `data`; rejects with code EEXIST if it exists. Not synced. */
  createExclusive(path: string, data: Uint8Array): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  unlink(path: string): Promise<void>;
  /** fsync a directory so entries created, renamed or removed in it survive a crash. */
  fsyncDir(path: string): Promise<void>;
}

/** Zero-fill goes out in writes of this size, from one shared buffer. */
const ZERO_CHUNK = Buffer.alloc(1024 * 1024);

class RealAppendFile implements AppendFile {
  constructor(
    private readonly fh: FileHandle,
    private readonly sync: boolean,
    private position: number,
  ) {}

  /**
   * A small batch goes to the page cache with a synchronous write (microseconds, and no thread
   * pool round trip on the hot path of every commit); a large one goes through the thread pool
   * so the event loop never stalls on it. Durability comes only from datasync() either way.
   */
  append(data: Uint8Array): Promise<void> {
    const at = this.position;
    this.position += data.length;
    if (data.length <= SYNC_WRITE_MAX_BYTES) {
      try {
        let offset = 0;
        while (offset < data.length) offset += fs.writeSync(this.fh.fd, data, offset, data.length - offset, at + offset);
        return Promise.resolve();
      } catch (err) {
        return Promise.reject(err);
      }
    }
    return writeFully(this.fh.fd, data, at);
  }

  async zeroFill(from: number, bytes: number): Promise<void> {
    for (let done = 0; done < bytes; done += ZERO_CHUNK.length) {
      await writeFully(this.fh.fd, ZERO_CHUNK.subarray(0, Math.min(ZERO_CHUNK.length, bytes - done)), from + done);
    }
  }

  seek(position: number): void {
    this.position = position;
  }

  datasync(): Promise<void> {
    if (!this.sync) return Promise.resolve();
    // The callback API: measurably cheaper per call than FileHandle.datasync() on this path.
    return new Promise((resolve, reject) => fs.fdatasync(this.fh.fd, (err) => (err ? reject(err) : resolve())));
  }

  async truncate(size: number): Promise<void> {
    await this.fh.truncate(size);
    this.position = size;
  }

  close(): Promise<void> {
    return this.fh.close();
  }
}

/** Write all of `data` at `position` through the thread pool, looping on short writes. */
function writeFully(fd: number, data: Uint8Array, position: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const step = (offset: number): void => {
      if (offset >= data.length) return resolve();
      fs.write(fd, data, offset, data.length - offset, position + offset, (err, written) => (err ? reject(err) : step(offset + written)));
    };
    step(0);
  });
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
      const flags = fs.constants.O_WRONLY | fs.constants.O_CREAT | (opts?.truncate ? fs.constants.O_TRUNC : 0);
      const fh = await fsp.open(path, flags, 0o666);
      try {
        return new RealAppendFile(fh, sync, (await fh.stat()).size);
      } catch (err) {
        await fh.close();
        throw err;
      }
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
