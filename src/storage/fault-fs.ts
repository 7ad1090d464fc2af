// An in-memory FsSeam that can crash and fail, for tests and the simulator.
// Each file has live bytes and durable bytes (as of its last datasync). Names follow the same
// split: creating, renaming or unlinking changes the live namespace; fsyncDir(dir) makes the
// live names in `dir` durable. crash() keeps only what was durable, optionally plus a random
// prefix of each file's unsynced writes, the last of them torn at a random byte.
// Simplification: directories themselves are durable as soon as mkdir returns.
import { dirname } from 'node:path';
import type { AppendFile, FsSeam } from './fs-seam.js';

/** Thrown by every call once the simulated crash point is reached. */
export class SimulatedCrashError extends Error {
  override readonly name = 'SimulatedCrashError';
}

/** A change to a file's bytes that no datasync has covered yet. */
type UnsyncedOp = { readonly at: number; readonly data: Buffer } | { readonly truncateTo: number };

class Inode {
  buf: Buffer = Buffer.alloc(0);
  len = 0;
  durable: Buffer = Buffer.alloc(0);
  /** Writes and truncations since the last sync, in order: a crash keeps a prefix of them. */
  unsynced: UnsyncedOp[] = [];

  content(): Buffer {
    return this.buf.subarray(0, this.len);
  }

  writeAt(at: number, data: Uint8Array): void {
    this.unsynced.push({ at, data: Buffer.from(data) });
    this.apply(at, data);
  }

  truncate(size: number): void {
    this.unsynced.push({ truncateTo: size });
    this.resize(size);
  }

  sync(): void {
    this.durable = Buffer.from(this.content());
    this.unsynced = [];
  }

  /** The file after a power cut: its durable bytes plus, if `tear`, the first k of the unsynced
   *  changes (k random) and a random prefix of the next one when it is a write. */
  afterCrash(tear: boolean, random: (n: number) => number): Inode {
    const copy = new Inode();
    copy.apply(0, this.durable);
    if (tear && this.unsynced.length > 0) {
      const kept = random(this.unsynced.length + 1);
      for (let i = 0; i < kept; i++) copy.replay(this.unsynced[i]!);
      const next = this.unsynced[kept];
      if (next !== undefined && 'at' in next) copy.apply(next.at, next.data.subarray(0, random(next.data.length + 1)));
    }
    copy.sync();
    return copy;
  }

  private replay(op: UnsyncedOp): void {
    if ('at' in op) this.apply(op.at, op.data);
    else this.resize(op.truncateTo);
  }

  private apply(at: number, data: Uint8Array): void {
    if (at > this.len) this.resize(at);
    const end = at + data.length;
    if (end > this.buf.length) {
      const grown = Buffer.alloc(Math.max(end, this.buf.length * 2, 256));
      this.buf.copy(grown, 0, 0, this.len);
      this.buf = grown;
    }
    this.buf.set(data, at);
    this.len = Math.max(this.len, end);
  }

  private resize(size: number): void {
    if (size < this.len) {
      this.buf.fill(0, size, this.len);
      this.len = size;
    } else if (size > this.len) {
      this.apply(this.len, Buffer.alloc(size - this.len));
    }
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
  private failPattern: { readonly what: RegExp; readonly code: string } | null = null;

  constructor(private options: FaultFsOptions = {}) {}

  /** Arm a fault relative to now: the `n`-th call from now (1 = the next one) fails with `code`. */
  failIn(n: number, code = 'EIO'): void {
    this.options = { ...this.options, failAtCall: this.calls + n, failCode: code };
  }

  /** Every later call whose description matches `what` fails with `code`. */
  failMatching(what: RegExp, code = 'EIO'): void {
    this.failPattern = { what, code };
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
        copy = inode.afterCrash(tear, random);
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
    const bytes = Buffer.from(content); // may be a view of the file's own buffer
    inode.truncate(0);
    inode.writeAt(0, bytes);
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
    if (this.failPattern?.what.test(what)) throw errno(this.failPattern.code, what);
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
    let position = file.len;
    let closed = false;
    const usable = (what: string): void => {
      if (closed) throw errno('EBADF', `${what} ${path} after close`);
    };
    const random = (n: number): number => (this.options.random ?? ((k: number) => Math.floor(Math.random() * k)))(n);
    /** A write that may be the crash point: then only a random prefix of it reaches the file. */
    const write = (what: string, at: number, data: Uint8Array): void => {
      if (this.tick(what)) {
        file.writeAt(at, data.subarray(0, random(data.length + 1)));
        throw new SimulatedCrashError(`crash at call ${this.calls} (${what})`);
      }
      usable(what);
      file.writeAt(at, data);
    };
    return {
      append: async (data) => {
        write(`append ${data.length} bytes to ${path}`, position, data);
        position += data.length;
      },
      zeroFill: async (from, bytes) => {
        write(`zero-fill ${bytes} bytes of ${path} at ${from}`, from, Buffer.alloc(bytes));
      },
      seek: (to) => {
        position = to;
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
        position = size;
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
    inode.writeAt(0, data);
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
