// A small seeded PRNG (sfc32) for the simulator. Every random choice of a run comes from
// one master seed; fork(label) derives an independent stream from the seed and the label
// alone (not from how much the parent has been consumed), so adding a draw to one stream
// does not shift every other stream and replays stay stable.

function mix32(h: number): number {
  // murmur3 fmix32
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function hashString(s: string, h: number): number {
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return mix32(h);
}

export class Prng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private readonly key: readonly [number, number];

  /** `seed` is any safe integer; its low and high 32 bits both matter. */
  constructor(seed: number, label = '') {
    const lo = seed >>> 0;
    const hi = Math.floor(seed / 0x100000000) >>> 0;
    const k0 = hashString(label, mix32(lo ^ 0x9e3779b9));
    const k1 = hashString(label, mix32(hi ^ 0x7f4a7c15) ^ k0);
    this.key = [k0, k1];
    this.a = k0;
    this.b = k1;
    this.c = mix32(k0 ^ 0x6a09e667);
    this.d = 1;
    for (let i = 0; i < 12; i++) this.next();
  }

  /** A uniformly distributed 32-bit unsigned integer. */
  next(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor((this.next() / 0x100000000) * n);
  }

  /** An integer in [lo, hi] inclusive. */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }

  /** A float in [0, 1). */
  float(): number {
    return this.next() / 0x100000000;
  }

  chance(p: number): boolean {
    return p > 0 && this.next() / 0x100000000 < p;
  }

  pick<T>(arr: readonly T[]): T {
    if (arr.length === 0) throw new Error('pick from an empty array');
    return arr[this.int(arr.length)] as T;
  }

  /** Fisher-Yates, in place. */
  shuffle<T>(arr: T[]): T[] {
    for (let i = arr.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = arr[i] as T;
      arr[i] = arr[j] as T;
      arr[j] = t;
    }
    return arr;
  }

  /** An independent stream named `label`, a function of this stream's seed and the label only. */
  fork(label: string): Prng {
    const p = Object.create(Prng.prototype) as Prng;
    const k0 = hashString(label, this.key[0]);
    const k1 = hashString(label, this.key[1] ^ k0);
    (p as unknown as { key: [number, number] }).key = [k0, k1];
    p.a = k0;
    p.b = k1;
    p.c = mix32(k0 ^ 0x6a09e667);
    p.d = 1;
    for (let i = 0; i < 12; i++) p.next();
    return p;
  }
}
