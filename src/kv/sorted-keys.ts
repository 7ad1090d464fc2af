// The ordered set of keys behind prefix listing: a two-level "list of sorted chunks"
// (the layout of Python's sortedcontainers). Chunks hold up to 2*CHUNK_LOAD keys; `maxes`
// holds each chunk's last key. A lookup is a binary search over `maxes` then one inside a
// chunk; an insert or delete is one splice inside a chunk (a memmove of at most 2*LOAD
// pointers), plus a rare split or merge. With 1M keys that is ~1000 chunks, so every
// operation touches two short arrays: no per-key node objects (unlike a skip list or a
// red-black tree), no O(n) rebuild after writes (unlike a lazily re-sorted array).
//
// Order is JavaScript string order (UTF-16 code units); keys sharing a prefix are
// contiguous in it, which is all that prefix listing needs.

export const CHUNK_LOAD = 1000;

function lowerBound(arr: readonly string[], key: string): number {
  let lo = 0;
  let hi = arr.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (arr[mid]! < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export class SortedKeys {
  private chunks: string[][] = [];
  private maxes: string[] = [];
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** Builds the set from `sorted`, which must be strictly ascending (not checked here). */
  static fromSorted(sorted: readonly string[]): SortedKeys {
    const s = new SortedKeys();
    for (let i = 0; i < sorted.length; i += CHUNK_LOAD) {
      const chunk = sorted.slice(i, i + CHUNK_LOAD);
      s.chunks.push(chunk);
      s.maxes.push(chunk[chunk.length - 1]!);
    }
    s.count = sorted.length;
    return s;
  }

  /** Adds a key known to be absent (the caller's Map says so). */
  insert(key: string): void {
    const maxes = this.maxes;
    this.count++;
    if (maxes.length === 0) {
      this.chunks.push([key]);
      maxes.push(key);
      return;
    }
    let c = lowerBound(maxes, key);
    if (c === maxes.length) {
      // Beyond every key: append to the last chunk.
      c--;
      this.chunks[c]!.push(key);
      maxes[c] = key;
    } else {
      const chunk = this.chunks[c]!;
      const i = lowerBound(chunk, key);
      if (chunk[i] === key) throw new Error(`SortedKeys.insert: duplicate key ${JSON.stringify(key)}`);
      chunk.splice(i, 0, key);
    }
    const chunk = this.chunks[c]!;
    if (chunk.length > 2 * CHUNK_LOAD) {
      const tail = chunk.splice(CHUNK_LOAD);
      this.chunks.splice(c + 1, 0, tail);
      this.maxes.splice(c, 0, chunk[chunk.length - 1]!);
    }
  }

  /** Removes a key known to be present. */
  delete(key: string): void {
    const maxes = this.maxes;
    const c = lowerBound(maxes, key);
    const chunk = this.chunks[c];
    const i = chunk ? lowerBound(chunk, key) : -1;
    if (!chunk || chunk[i] !== key) throw new Error(`SortedKeys.delete: missing key ${JSON.stringify(key)}`);
    chunk.splice(i, 1);
    this.count--;
    if (chunk.length === 0) {
      this.chunks.splice(c, 1);
      maxes.splice(c, 1);
      return;
    }
    if (i === chunk.length) maxes[c] = chunk[i - 1]!;
    // Keep chunks from thinning out: fold a small chunk into its successor.
    if (chunk.length < CHUNK_LOAD >>> 2 && c + 1 < this.chunks.length) {
      const next = this.chunks[c + 1]!;
      const merged = chunk.concat(next);
      this.chunks.splice(c, 2, merged);
      maxes.splice(c, 2, merged[merged.length - 1]!);
      if (merged.length > 2 * CHUNK_LOAD) {
        const tail = merged.splice(CHUNK_LOAD);
        this.chunks.splice(c + 1, 0, tail);
        maxes.splice(c, 0, merged[merged.length - 1]!);
      }
    }
  }

  /** Up to `limit` keys that start with `prefix`, in order; `more` if others follow. */
  range(prefix: string, limit: number): { keys: string[]; more: boolean } {
    const keys: string[] = [];
    const maxes = this.maxes;
    let c = lowerBound(maxes, prefix);
    if (c === maxes.length) return { keys, more: false };
    let i = lowerBound(this.chunks[c]!, prefix);
    for (; c < this.chunks.length; c++, i = 0) {
      const chunk = this.chunks[c]!;
      for (; i < chunk.length; i++) {
        const key = chunk[i]!;
        if (!key.startsWith(prefix)) return { keys, more: false };
        if (keys.length === limit) return { keys, more: true };
        keys.push(key);
      }
    }
    return { keys, more: false };
  }

  /** Every key in order. */
  *[Symbol.iterator](): IterableIterator<string> {
    for (const chunk of this.chunks) yield* chunk;
  }

  /** Invariant check for tests: chunks non-empty, ascending, maxes match, count matches. */
  checkInvariants(): void {
    let prev: string | undefined;
    let n = 0;
    if (this.chunks.length !== this.maxes.length) throw new Error('chunks/maxes length mismatch');
    this.chunks.forEach((chunk, c) => {
      if (chunk.length === 0 || chunk.length > 2 * CHUNK_LOAD) throw new Error(`chunk ${c} has ${chunk.length} keys`);
      for (const k of chunk) {
        if (prev !== undefined && !(prev < k)) throw new Error(`keys out of order at chunk ${c}`);
        prev = k;
        n++;
      }
      if (this.maxes[c] !== chunk[chunk.length - 1]) throw new Error(`max of chunk ${c} is stale`);
    });
    if (n !== this.count) throw new Error(`count ${this.count} but ${n} keys`);
  }
}
