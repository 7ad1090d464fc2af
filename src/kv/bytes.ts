// Little binary writer/reader shared by the command codec and the snapshot format.
// Integers that are usually small (lengths, revisions) are unsigned LEB128 varints up to
// 2^53-1; clock readings are float64 LE; strings are a varint UTF-8 byte length + bytes.

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

// The slab behind toSmallBytes(). A retained output pins at most one slab.
const SLAB_BYTES = 64 * 1024;
const SLAB_ITEM_MAX_BYTES = 2 * 1024;
let slab = new ArrayBuffer(SLAB_BYTES);
let slabUsed = 0;

/** Strings up to this many UTF-16 units take the hand-written ASCII path first. */
const SHORT_STRING_UNITS = 64;

export function varUintSize(n: number): number {
  let size = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 0x80);
    size++;
  }
  return size;
}

export class ByteWriter {
  private buf: Uint8Array;
  private view: DataView;
  pos = 0;

  constructor(initialBytes = 256) {
    this.buf = new Uint8Array(Math.max(16, initialBytes));
    this.view = new DataView(this.buf.buffer);
  }

  /** Make room for `n` more bytes (amortised doubling). */
  ensure(n: number): void {
    const need = this.pos + n;
    if (need <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < need) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  u8(n: number): void {
    this.ensure(1);
    this.buf[this.pos++] = n;
  }

  f64(n: number): void {
    this.ensure(8);
    this.view.setFloat64(this.pos, n, true);
    this.pos += 8;
  }

  varUint(n: number): void {
    this.ensure(8);
    const buf = this.buf;
    let pos = this.pos;
    if (n < 0x80000000) {
      while (n >= 0x80) {
        buf[pos++] = (n & 0x7f) | 0x80;
        n >>>= 7;
      }
    } else {
      while (n >= 0x80) {
        buf[pos++] = (n % 0x80) | 0x80;
        n = Math.floor(n / 0x80);
      }
    }
    buf[pos++] = n;
    this.pos = pos;
  }

  string(s: string): void {
    const units = s.length;
    if (units <= SHORT_STRING_UNITS) {
      // ASCII fast path: byte length = units <= 64, so the varint length is one byte.
      this.ensure(1 + units);
      const buf = this.buf;
      const start = this.pos + 1;
      let i = 0;
      for (; i < units; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) break;
        buf[start + i] = c;
      }
      if (i === units) {
        buf[this.pos] = units;
        this.pos = start + units;
        return;
      }
    }
    // General path: reserve the varint for the worst case, encode, then close the gap.
    const maxBytes = units * 3;
    const reserved = varUintSize(maxBytes);
    this.ensure(reserved + maxBytes);
    const at = this.pos;
    const { written } = encoder.encodeInto(s, this.buf.subarray(at + reserved));
    const actual = varUintSize(written);
    if (actual < reserved) this.buf.copyWithin(at + actual, at + reserved, at + reserved + written);
    this.varUint(written);
    this.pos = at + actual + written;
  }

  /** A copy of exactly the written bytes. */
  toBytes(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }

  /**
   * A copy of exactly the written bytes; small ones are carved out of a shared slab, which
   * is ~10x cheaper than allocating an ArrayBuffer each (the result's byteOffset may be
   * non-zero: consumers must honour byteOffset/byteLength, as with any Uint8Array view).
   */
  toSmallBytes(): Uint8Array {
    const n = this.pos;
    if (n > SLAB_ITEM_MAX_BYTES) return this.toBytes();
    if (slabUsed + n > SLAB_BYTES) {
      slab = new ArrayBuffer(SLAB_BYTES);
      slabUsed = 0;
    }
    const out = new Uint8Array(slab, slabUsed, n);
    slabUsed += (n + 7) & ~7;
    out.set(this.buf.subarray(0, n));
    return out;
  }

  /** The written bytes without copying when little capacity is wasted, else a copy. */
  finish(): Uint8Array {
    if (this.buf.length - this.pos <= this.buf.length >>> 3) return this.buf.subarray(0, this.pos);
    return this.toBytes();
  }

  reset(): void {
    this.pos = 0;
  }
}

export class ByteReader {
  pos = 0;
  private readonly view: DataView;

  constructor(
    readonly buf: Uint8Array,
    private readonly fail: (message: string, cause?: unknown) => never,
  ) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  get remaining(): number {
    return this.buf.length - this.pos;
  }

  u8(): number {
    if (this.pos >= this.buf.length) this.fail(`truncated at byte ${this.pos}`);
    return this.buf[this.pos++]!;
  }

  f64(): number {
    if (this.pos + 8 > this.buf.length) this.fail(`truncated at byte ${this.pos}`);
    const n = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return n;
  }

  varUint(): number {
    const buf = this.buf;
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 8; i++) {
      if (this.pos >= buf.length) this.fail(`truncated varint at byte ${this.pos}`);
      const b = buf[this.pos++]!;
      result += (b & 0x7f) * scale;
      if (b < 0x80) {
        if (b === 0 && i > 0) this.fail('non-canonical varint');
        if (result > Number.MAX_SAFE_INTEGER) this.fail('varint exceeds 2^53-1');
        return result;
      }
      scale *= 0x80;
    }
    return this.fail('varint longer than 8 bytes');
  }

  string(): string {
    const len = this.varUint();
    const start = this.pos;
    const end = start + len;
    if (end > this.buf.length) this.fail(`string of ${len} bytes runs past the end`);
    this.pos = end;
    const buf = this.buf;
    if (len <= SHORT_STRING_UNITS) {
      let ascii = true;
      for (let i = start; i < end; i++) {
        if (buf[i]! >= 0x80) {
          ascii = false;
          break;
        }
      }
      if (ascii) {
        let s = '';
        for (let i = start; i < end; i++) s += String.fromCharCode(buf[i]!);
        return s;
      }
    }
    try {
      return decoder.decode(buf.subarray(start, end));
    } catch (err) {
      return this.fail('string is not valid UTF-8', err);
    }
  }
}
