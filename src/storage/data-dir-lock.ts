// One process per data directory: a LOCK file created exclusively, holding the owner's pid.
// A lock whose pid is dead (crash, kill -9) is stale and taken over. Within one process the
// locks held are remembered per file system, so a second open in the same process also fails.
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DataDirLockedError } from './errors.js';
import type { FsSeam } from './fs-seam.js';

const LOCK_FILE = 'LOCK';
const held = new WeakMap<object, Set<string>>();
/** Every seam over the real disk (with or without fsync) shares this registry. */
const REAL_DISK = {};

export interface DataDirLock {
  release(): Promise<void>;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else; still alive.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function errCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | null)?.code;
}

export async function acquireDataDirLock(fs: FsSeam, dir: string): Promise<DataDirLock> {
  const key = resolve(dir);
  const path = join(dir, LOCK_FILE);
  const scope = fs.realDisk ? REAL_DISK : fs;
  let mine = held.get(scope);
  if (!mine) held.set(scope, (mine = new Set()));
  if (mine.has(key)) throw new DataDirLockedError(dir, process.pid);

  for (let attempt = 0; ; attempt++) {
    try {
      await fs.createExclusive(path, Buffer.from(`${process.pid}\n`));
      break;
    } catch (err) {
      if (errCode(err) !== 'EEXIST') throw err;
    }
    let owner = NaN;
    try {
      // Only "<pid>\n" counts: a torn LOCK (power cut while writing it) must not name pid 1.
      const m = /^(\d+)\n$/.exec(Buffer.from(await fs.readFile(path)).toString('utf8'));
      if (m) owner = Number(m[1]);
    } catch (err) {
      if (errCode(err) === 'ENOENT') continue; // released meanwhile: try again
      throw err;
    }
    // An empty LOCK may be one being written right now (create and write are two steps):
    // give its writer a moment, once. After that it is a torn LOCK from a power cut.
    if (!Number.isSafeInteger(owner) && attempt === 0) {
      await sleep(5);
      continue;
    }
    // Our own pid without our own record is a previous incarnation that reused the pid.
    if (Number.isSafeInteger(owner) && owner > 0 && owner !== process.pid && isAlive(owner)) {
      throw new DataDirLockedError(dir, owner);
    }
    if (attempt >= 5) throw new DataDirLockedError(dir, owner);
    try {
      await fs.unlink(path);
    } catch (err) {
      if (errCode(err) !== 'ENOENT') throw err;
    }
  }
  mine.add(key);
  let released = false;
  return {
    async release() {
      if (released) return;
      released = true;
      mine.delete(key);
      try {
        await fs.unlink(path);
      } catch (err) {
        if (errCode(err) !== 'ENOENT') throw err;
      }
    },
  };
}
