// An in-memory FsSeam that can crash and fail, for tests and the simulator.
// Each file has live bytes and durable bytes (as of its last datasync). Names follow the same
// split: creating, renaming or unlinking changes the live namespace; fsyncDir(dir) makes the
// live names in `dir` durable. crash() keeps only what was durable, optionally plus a random
// prefix of each file's unsynced appended bytes (a torn write).
// Simplification: directories themselves are durable as soon as mkdir returns.
import { dirname } from 'node:path';
import type { AppendFile, FsSeam } from './fs-seam.js';

/** Thrown by every call once the simulated crash point is reached. */
export class SimulatedCrashError extends Error {
  override readonly name = 'SimulatedCrashError';
}

class Inode {
  buf: Buffer = Buffer.alloc(0);
  len = 0;
  durable: Buffer = Buffer.alloc(0);

  content(): Buffer {
    return this.buf.subarray(0, this.len);
  }

  append(data: Uint8Array): void {
    if (this.len + data.length > this.buf.length) {
      const grown = Buffer.alloc(Math.max(this.len + data.length, this.buf.length * 2, 256));
      this.buf.copy(grown, 0, 0, this.len);
      this.buf = grown;
    }
    this.buf.set(data, this.len);
    this.len += data.length;
  }

  truncate(size: number): void {
    if (size < this.len) this.len = size;
    else this.append(Buffer.alloc(size - this.len));
  }

  sync(): void {
    this.durable = Buffer.from(this.content());
  }
}

export interface FaultFsOptions {
  /** The call with this number (1-based, counting every seam call) crashes the "machine": an
   *  append is applied only partly (random prefix), and this and every later call throws. */
  readonly crashAtCall?: number;
  /** The call with this number fails with this errno code; the file system stays usable. */
  readonly failAtCall?: number;
  readonly failCode?: string;
  /** Randomness for torn writes: returns an integer in [0, n). */
  readonly random?: (n: number) => number;
}

function errno(code: string, what: string): Error {
  return Object.assign(new Error(`${code}: ${what}`), { code });
}

export class FaultFs implements FsSeam {
  /** Seam calls made so far. */
  calls = 0;
  crashed = false;
  private readonly live = new Map<string, Inode>();
  private readonly durableNames = new Map<string, Inode>();
  private readonly dirs = new Set<string>();

  constructor(private options: FaultFsOptions = {}) {}

  /** Arm a fault relative to now: the `n`-th call from now (1 = the next one) fails with `code`. */
  failIn(n: number, code = 'EIO'): void {
    this.options = { ...this.options, failAtCall: this.calls + n, failCode: code };
  }

  /** Arm a crash relative to now: the `n`-th call from now is the crash point. */
  crashIn(n: number): void {
    this.options = { ...this.options, crashAtCall: this.calls + n };
  }

  /** The machine after a power cut: what was durable, plus (if `tear`) a random prefix of each
   *  file's unsynced appended bytes. The new instance has no faults armed unless given. */
  crash(tear: boolean, options: FaultFsOptions = {}): FaultFs {
    const random = options.random ?? this.options.random ?? ((n: number) => Math.floor(Math.random() * n));
    const next = new FaultFs(options);
    for (const d of this.dirs) next.dirs.add(d);
    const copies = new Map<Inode, Inode>();
    for (const [path, inode] of this.durableNames) {
      let copy = copies.get(inode);
      if (!copy) {
        copy = new Inode();
        copy.append(inode.durable);
        const live = inode.content();
        const extra = live.length - inode.durable.length;
        if (tear && extra > 0 && live.subarray(0, inode.durable.length).equals(inode.durable)) {
          copy.append(live.subarray(inode.durable.length, inode.durable.length + random(extra + 1)));
        }
        copy.sync();
        copies.set(inode, copy);
      }
      next.live.set(path, copy);
      next.durableNames.set(path, copy);
    }
    return next;
  }

  /** Test helper: the live bytes of a file (undefined if absent). */
  peek(path: string): Buffer | undefined {
    return this.live.get(path)?.content();
  }

  /** Test helper: overwrite a file's bytes in place, live and durable (bit rot). */
  poke(path: string, content: Uint8Array): void {
    const inode = this.live.get(path);
    if (!inode) throw errno('ENOENT', `poke ${path}`);
    inode.len = 0;
    inode.append(content);
    inode.sync();
  }

  /** Test helper: every live path. */
  paths(): string[] {
    return [...this.live.keys()].sort();
  }

  /** Counts the call and applies armed faults. Returns true when this call is the crash point. */
  private tick(what: string): boolean {
    if (this.crashed) throw new SimulatedCrashError(`crashed (before ${what})`);
    this.calls++;
    if (this.calls === this.options.failAtCall) throw errno(this.options.failCode ?? 'EIO', what);
    if (this.calls === this.options.crashAtCall) {
      this.crashed = true;
      return true;
    }
    return false;
  }

  private check(what: string): void {
    if (this.tick(what)) throw new SimulatedCrashError(`crash at call ${this.calls} (${what})`);
  }

  private requireDir(path: string, what: string): void {
    if (!this.dirs.has(dirname(path))) throw errno('ENOENT', `${what} ${path}: no such directory`);
  }

  async mkdir(path: string): Promise<void> {
    this.check(`mkdir ${path}`);
    for (let p = path; !this.dirs.has(p); p = dirname(p)) {
      this.dirs.add(p);
      if (dirname(p) === p) break;
    }
  }

  async readdir(path: string): Promise<string[]> {
    this.check(`readdir ${path}`);
    if (!this.dirs.has(path)) throw errno('ENOENT', `readdir ${path}`);
    const out: string[] = [];
    for (const p of this.live.keys()) if (dirname(p) === path) out.push(p.slice(path.length + 1));
    for (const d of this.dirs) if (d !== path && dirname(d) === path) out.push(d.slice(path.length + 1));
    return out;
  }

  async readFile(path: string): Promise<Uint8Array> {
    this.check(`readFile ${path}`);
    const inode = this.live.get(path);
    if (!inode) throw errno('ENOENT', `readFile ${path}`);
    return Buffer.from(inode.content());
  }

  async openAppend(path: string, options?: { truncate?: boolean }): Promise<AppendFile> {
    this.check(`open ${path}`);
    this.requireDir(path, 'open');
    let inode = this.live.get(path);
    if (!inode) {
      inode = new Inode();
      this.live.set(path, inode);
    } else if (options?.truncate) {
      inode.truncate(0);
    }
    const file = inode;
    let closed = false;
    const usable = (what: string): void => {
      if (closed) throw errno('EBADF', `${what} ${path} after close`);
    };
    return {
      append: async (data) => {
        const at = `append ${data.length} bytes to ${path}`;
        if (this.tick(at)) {
          const random = this.options.random ?? ((n: number) => Math.floor(Math.random() * n));
          file.append(data.subarray(0, random(data.length + 1)));
          throw new SimulatedCrashError(`crash at call ${this.calls} (${at})`);
        }
        usable('append');
        file.append(data);
      },
      datasync: async () => {
        this.check(`datasync ${path}`);
        usable('datasync');
        file.sync();
      },
      truncate: async (size) => {
        this.check(`truncate ${path}`);
        usable('truncate');
        file.truncate(size);
      },
      close: async () => {
        this.check(`close ${path}`);
        closed = true;
      },
    };
  }

  async createExclusive(path: string, data: Uint8Array): Promise<void> {
    this.check(`create ${path}`);
    this.requireDir(path, 'create');
    if (this.live.has(path)) throw errno('EEXIST', `create ${path}`);
    const inode = new Inode();
    inode.append(data);
    this.live.set(path, inode);
  }

  async rename(from: string, to: string): Promise<void> {
    this.check(`rename ${from} ${to}`);
    const inode = this.live.get(from);
    if (!inode) throw errno('ENOENT', `rename ${from}`);
    this.requireDir(to, 'rename');
    this.live.delete(from);
    this.live.set(to, inode);
  }

  async unlink(path: string): Promise<void> {
    this.check(`unlink ${path}`);
    if (!this.live.delete(path)) throw errno('ENOENT', `unlink ${path}`);
  }

  async fsyncDir(path: string): Promise<void> {
    this.check(`fsyncDir ${path}`);
    for (const p of [...this.durableNames.keys()]) if (dirname(p) === path) this.durableNames.delete(p);
    for (const [p, inode] of this.live) if (dirname(p) === path) this.durableNames.set(p, inode);
  }
}
