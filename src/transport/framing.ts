// Frames on a peer stream: u32 little-endian payload length, then the payload.
// The decoder takes the stream in whatever chunks TCP delivers and hands out whole
// payloads; a payload that lies inside one chunk is handed out as a view of that
// chunk (no copy), one that straddles chunks is assembled into its own buffer.

export const FRAME_HEADER_BYTES = 4;
const U32_MAX = 0xffffffff;

export class FrameTooLargeError extends Error {
  override readonly name = 'FrameTooLargeError';
  constructor(readonly frameBytes: number, readonly maxFrameBytes: number) {
    super(`frame of ${frameBytes} bytes exceeds the limit of ${maxFrameBytes}`);
  }
}

/** Writes a frame header for a payload of `payloadBytes` at `offset`; returns the offset after it. */
export function writeFrameHeader(buf: Uint8Array, offset: number, payloadBytes: number): number {
  if (!(Number.isInteger(payloadBytes) && payloadBytes >= 0 && payloadBytes <= U32_MAX)) {
    throw new RangeError(`payload of ${payloadBytes} bytes cannot be framed`);
  }
  new DataView(buf.buffer, buf.byteOffset, buf.byteLength).setUint32(offset, payloadBytes, true);
  return offset + FRAME_HEADER_BYTES;
}

export class FrameDecoder {
  private readonly header = new Uint8Array(FRAME_HEADER_BYTES);
  private headerHave = 0;
  /** The payload being assembled across chunks, or null between frames. */
  private body: Uint8Array | null = null;
  private bodyHave = 0;
  private stopped = false;

  /**
   * `onFrame` receives each payload in order. Payloads are views: they stay valid
   * as long as nobody overwrites the chunk they came from, which a socket never does.
   */
  constructor(readonly maxFrameBytes: number, private readonly onFrame: (payload: Uint8Array) => void) {}

  /** Stops delivering frames, also for the rest of a chunk being processed (e.g. the connection is closing). */
  stop(): void {
    this.stopped = true;
    this.body = null;
  }

  /** Bytes of a partial frame held back, waiting for more input. */
  get bufferedBytes(): number {
    return this.headerHave + this.bodyHave;
  }

  /** Consumes a chunk. Throws FrameTooLargeError (and stops) when a header announces an oversized frame. */
  push(chunk: Uint8Array): void {
    let o = 0;
    const n = chunk.length;
    while (o < n && !this.stopped) {
      if (this.body !== null) {
        const take = Math.min(this.body.length - this.bodyHave, n - o);
        this.body.set(chunk.subarray(o, o + take), this.bodyHave);
        this.bodyHave += take;
        o += take;
        if (this.bodyHave === this.body.length) {
          const payload = this.body;
          this.body = null;
          this.bodyHave = 0;
          this.onFrame(payload);
        }
        continue;
      }
      let length: number;
      if (this.headerHave === 0 && n - o >= FRAME_HEADER_BYTES) {
        length = readU32(chunk, o);
        o += FRAME_HEADER_BYTES;
      } else {
        const take = Math.min(FRAME_HEADER_BYTES - this.headerHave, n - o);
        this.header.set(chunk.subarray(o, o + take), this.headerHave);
        this.headerHave += take;
        o += take;
        if (this.headerHave < FRAME_HEADER_BYTES) return;
        this.headerHave = 0;
        length = readU32(this.header, 0);
      }
      if (length > this.maxFrameBytes) {
        this.stop();
        throw new FrameTooLargeError(length, this.maxFrameBytes);
      }
      if (n - o >= length) {
        // The common case: the whole payload is in this chunk.
        const payload = chunk.subarray(o, o + length);
        o += length;
        this.onFrame(payload);
      } else {
        // Not zero-filled: every byte is written before the payload is handed out.
        this.body = Buffer.allocUnsafe(length);
        this.bodyHave = 0;
      }
    }
  }
}

function readU32(b: Uint8Array, o: number): number {
  return ((b[o] as number) | ((b[o + 1] as number) << 8) | ((b[o + 2] as number) << 16)) + (b[o + 3] as number) * 0x100_0000;
}
