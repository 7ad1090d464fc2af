import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Prng, seedFromEnv } from '../verify/prng.js';
import { COMMAND_FORMAT_VERSION, decodeCommand, encodeCommand } from './codec.js';
import type { KvCommand } from './command.js';
import { CommandDecodeError } from './errors.js';

const samples: KvCommand[] = [
  { op: 'put', key: 'a', value: '', time: 0 },
  { op: 'put', key: 'user/42', value: 'hello world', time: 1_700_000_000_000 },
  { op: 'del', key: 'k', time: 5 },
  { op: 'put', key: 'k', value: 'v', time: 1, prevValue: 'old', prevRevision: 0, idempotencyKey: 'req-1' },
  { op: 'del', key: 'k', time: 1, prevRevision: Number.MAX_SAFE_INTEGER },
  { op: 'put', key: 'ключ', value: 'значение ✓ 𝄞', time: 2, prevValue: '' },
  { op: 'put', key: 'x'.repeat(300), value: 'é'.repeat(70_000), time: 3 },
  { op: 'put', key: 'big', value: 'v'.repeat(2_000_000), time: 3 },
];

test('round-trips every field combination', () => {
  for (const cmd of samples) assert.deepEqual(decodeCommand(encodeCommand(cmd)), cmd);
});

test('a small put costs a few bytes of framing', () => {
  const bytes = encodeCommand({ op: 'put', key: 'k'.repeat(10), value: 'v'.repeat(100), time: 1_700_000_000_000 });
  assert.equal(bytes.length, 110 + 12);
  assert.equal(bytes[0], COMMAND_FORMAT_VERSION);
});

test('encoded bytes are independent copies (scratch buffer is not shared)', () => {
  const a = encodeCommand({ op: 'put', key: 'a', value: '1', time: 1 });
  const b = encodeCommand({ op: 'put', key: 'b', value: '2', time: 2 });
  assert.equal(decodeCommand(a).key, 'a');
  assert.equal(decodeCommand(b).key, 'b');
});

test('rejects garbage with CommandDecodeError', () => {
  const good = encodeCommand({ op: 'put', key: 'k', value: 'v', time: 1 });
  const cases: Array<[string, Uint8Array]> = [
    ['empty', new Uint8Array()],
    ['bad version', Uint8Array.of(99, ...good.subarray(1))],
    ['unknown flag', Uint8Array.of(good[0]!, 0x80, ...good.subarray(2))],
    ['unknown op', Uint8Array.of(good[0]!, 0b10, ...good.subarray(2))],
    ['truncated', good.subarray(0, good.length - 1)],
    ['trailing', Uint8Array.of(...good, 0)],
    ['invalid utf-8', (() => { const b = Uint8Array.from(good); b[b.length - 1] = 0xff; b[b.length - 2] = 2; return b.subarray(0, b.length); })()],
  ];
  for (const [name, bytes] of cases) {
    assert.throws(() => decodeCommand(bytes), CommandDecodeError, name);
  }
  const nonIntegerTime = Uint8Array.from(good);
  new DataView(nonIntegerTime.buffer).setFloat64(2, 1.5, true);
  assert.throws(() => decodeCommand(nonIntegerTime), CommandDecodeError);
});

function randomString(rng: Prng, maxLen: number): string {
  const alphabet = ['a', 'b', 'z', '/', '0', 'é', 'ж', '✓', '𝄞', '\u0000'];
  let s = '';
  const n = rng.int(maxLen + 1);
  for (let i = 0; i < n; i++) s += rng.pick(alphabet);
  return s;
}

function randomCommand(rng: Prng): KvCommand {
  const meta: Record<string, unknown> = { time: rng.int(2 ** 45) };
  if (rng.chance(0.3)) meta['prevValue'] = randomString(rng, 20);
  if (rng.chance(0.3)) meta['prevRevision'] = rng.chance(0.5) ? rng.int(1000) : rng.int(2 ** 52);
  if (rng.chance(0.3)) meta['idempotencyKey'] = randomString(rng, 40);
  const key = 'k' + randomString(rng, 100);
  return (rng.chance(0.7) ? { op: 'put', key, value: randomString(rng, 200), ...meta } : { op: 'del', key, ...meta }) as KvCommand;
}

test('fuzz: random commands round-trip; mutated and random bytes decode or throw CommandDecodeError', () => {
  const seed = seedFromEnv();
  console.log(`codec fuzz seed=${seed} (replay with SEED=${seed})`);
  const rng = new Prng(seed);
  for (let i = 0; i < 5000; i++) {
    const cmd = randomCommand(rng);
    const bytes = encodeCommand(cmd);
    assert.deepEqual(decodeCommand(bytes), cmd, `seed=${seed} i=${i}`);
    const mutated = Uint8Array.from(bytes);
    for (let m = 1 + rng.int(3); m > 0; m--) mutated[rng.int(mutated.length)] = rng.int(256);
    const cut = rng.chance(0.2) ? mutated.subarray(0, rng.int(mutated.length)) : mutated;
    const noise = Uint8Array.from({ length: rng.int(40) }, () => rng.int(256));
    if (rng.chance(0.5) && noise.length > 0) noise[0] = COMMAND_FORMAT_VERSION;
    for (const candidate of [cut, noise]) {
      try {
        const decoded = decodeCommand(candidate);
        // Whatever decodes must re-encode to the same bytes (the layout has one spelling per command).
        assert.deepEqual(encodeCommand(decoded), Uint8Array.from(candidate), `seed=${seed} i=${i}`);
      } catch (err) {
        if (!(err instanceof CommandDecodeError)) throw new Error(`seed=${seed} i=${i}: ${String(err)}`, { cause: err });
      }
    }
  }
});
