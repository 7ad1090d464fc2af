// Binary encoding of KvCommand into Entry.data. On the path of every write, so it is a
// small fixed layout rather than JSON:
//
//   u8   format version (1)
//   u8   flags: bits 0-1 op (0 put, 1 del), bit 2 prevValue, bit 3 prevRevision,
//        bit 4 idempotencyKey; bits 5-7 must be zero
//   f64  time (LE, integer ms)
//   str  key                 (str = varint UTF-8 byte length + bytes)
//   str  value               put only
//   str  prevValue           if flagged
//   var  prevRevision        if flagged (unsigned LEB128 varint)
//   str  idempotencyKey      if flagged
//
// A put of a 10-byte key and 100-byte value costs 12 bytes of framing. The result is a
// fresh copy; small ones are views into a shared slab (byteOffset may be non-zero).
import assert from 'node:assert/strict';
import { ByteReader, ByteWriter } from './bytes.js';
import type { KvCommand } from './command.js';
import { CommandDecodeError } from './errors.js';

export const COMMAND_FORMAT_VERSION = 1;

const OP_PUT = 0;
const OP_DEL = 1;
const OP_MASK = 0b11;
const HAS_PREV_VALUE = 1 << 2;
const HAS_PREV_REVISION = 1 << 3;
const HAS_IDEMPOTENCY_KEY = 1 << 4;
const KNOWN_FLAGS = OP_MASK | HAS_PREV_VALUE | HAS_PREV_REVISION | HAS_IDEMPOTENCY_KEY;

// One scratch writer reused by every encode: the output is copied out at its exact size.
const scratch = new ByteWriter(4096);
const SCRATCH_KEEP_BYTES = 1 << 20;

export function encodeCommand(cmd: KvCommand): Uint8Array {
  // Plain ifs, not assert(cond, `...`): the message template would be built on every call.
  if (cmd.key.length === 0) assert.fail('KV command key must be non-empty');
  if (!Number.isSafeInteger(cmd.time) || cmd.time < 0) assert.fail(`KV command time must be a non-negative integer, got ${cmd.time}`);
  let flags = cmd.op === 'put' ? OP_PUT : OP_DEL;
  if (cmd.prevValue !== undefined) flags |= HAS_PREV_VALUE;
  if (cmd.prevRevision !== undefined) {
    if (!Number.isSafeInteger(cmd.prevRevision) || cmd.prevRevision < 0) assert.fail(`prevRevision must be a non-negative integer, got ${cmd.prevRevision}`);
    flags |= HAS_PREV_REVISION;
  }
  if (cmd.idempotencyKey !== undefined) flags |= HAS_IDEMPOTENCY_KEY;

  // A huge value would pin a huge scratch buffer: encode those with a private writer.
  const w = cmd.op === 'put' && cmd.value.length * 3 > SCRATCH_KEEP_BYTES ? new ByteWriter(cmd.value.length + 64) : scratch;
  w.reset();
  w.u8(COMMAND_FORMAT_VERSION);
  w.u8(flags);
  w.f64(cmd.time);
  w.string(cmd.key);
  if (cmd.op === 'put') w.string(cmd.value);
  if (cmd.prevValue !== undefined) w.string(cmd.prevValue);
  if (cmd.prevRevision !== undefined) w.varUint(cmd.prevRevision);
  if (cmd.idempotencyKey !== undefined) w.string(cmd.idempotencyKey);
  return w.toSmallBytes();
}

function fail(message: string, cause?: unknown): never {
  throw new CommandDecodeError(message, cause === undefined ? undefined : { cause });
}

/** Decodes Entry.data. Throws CommandDecodeError on anything encodeCommand could not have produced. */
export function decodeCommand(bytes: Uint8Array): KvCommand {
  const r = new ByteReader(bytes, fail);
  const version = r.u8();
  if (version !== COMMAND_FORMAT_VERSION) fail(`unsupported format version ${version}`);
  const flags = r.u8();
  if ((flags & ~KNOWN_FLAGS) !== 0) fail(`unknown flag bits 0x${flags.toString(16)}`);
  const op = flags & OP_MASK;
  if (op !== OP_PUT && op !== OP_DEL) fail(`unknown op ${op}`);
  const time = r.f64();
  if (!Number.isSafeInteger(time) || time < 0) fail(`time ${time} is not a non-negative integer`);
  const key = r.string();
  if (key.length === 0) fail('empty key');
  const value = op === OP_PUT ? r.string() : undefined;
  const prevValue = flags & HAS_PREV_VALUE ? r.string() : undefined;
  const prevRevision = flags & HAS_PREV_REVISION ? r.varUint() : undefined;
  const idempotencyKey = flags & HAS_IDEMPOTENCY_KEY ? r.string() : undefined;
  if (r.remaining !== 0) fail(`${r.remaining} trailing bytes`);

  // Build the object with only the fields present, so decode(encode(c)) deep-equals c.
  const cmd: Record<string, unknown> = op === OP_PUT ? { op: 'put', key, value, time } : { op: 'del', key, time };
  if (prevValue !== undefined) cmd['prevValue'] = prevValue;
  if (prevRevision !== undefined) cmd['prevRevision'] = prevRevision;
  if (idempotencyKey !== undefined) cmd['idempotencyKey'] = idempotencyKey;
  return cmd as unknown as KvCommand;
}
