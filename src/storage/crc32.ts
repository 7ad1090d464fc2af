// CRC-32 (IEEE, the zlib/PNG polynomial). Node >= 20.15 ships it in C++ as zlib.crc32;
// older Node 20 releases get a table-driven fallback with identical output.
import * as zlib from 'node:zlib';

type Crc32 = (data: Uint8Array, initial?: number) => number;

function makeTableCrc32(): Crc32 {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return (data, initial = 0) => {
    let c = (initial ^ 0xffffffff) >>> 0;
    for (let i = 0; i < data.length; i++) c = table[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
}

const native = (zlib as { crc32?: Crc32 }).crc32;

/** CRC-32 of `data`, continuing from `initial` (the CRC of the bytes before it). */
export const crc32: Crc32 = typeof native === 'function' ? native : makeTableCrc32();
/** Exposed so a test can check the fallback against the native one. */
export const tableCrc32: Crc32 = makeTableCrc32();

// Slicing-by-8 tables for crc32Range: a CRC over part of a buffer without creating a view.
// Creating a subarray per record cost more than the checksum itself on replay.
const T = new Int32Array(8 * 256);
for (let n = 0; n < 256; n++) {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  T[n] = c;
}
for (let n = 0; n < 256; n++) {
  for (let s = 1; s < 8; s++) T[s * 256 + n] = (T[(s - 1) * 256 + n]! >>> 8) ^ T[T[(s - 1) * 256 + n]! & 0xff]!;
}

/** CRC-32 of buf[start, end), same value as crc32(buf.subarray(start, end)). */
export function crc32Range(buf: Uint8Array, start: number, end: number): number {
  let c = -1;
  let i = start;
  for (; i + 8 <= end; i += 8) {
    const a = c ^ (buf[i]! | (buf[i + 1]! << 8) | (buf[i + 2]! << 16) | (buf[i + 3]! << 24));
    c =
      T[1792 + (a & 0xff)]! ^
      T[1536 + ((a >>> 8) & 0xff)]! ^
      T[1280 + ((a >>> 16) & 0xff)]! ^
      T[1024 + (a >>> 24)]! ^
      T[768 + buf[i + 4]!]! ^
      T[512 + buf[i + 5]!]! ^
      T[256 + buf[i + 6]!]! ^
      T[buf[i + 7]!]!;
  }
  for (; i < end; i++) c = T[(c ^ buf[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}
