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
