// Helpers shared by the transport's tests: a seeded PRNG and message builders.
import type { Entry, Message, MessageType, NodeId, Snapshot } from '../raft/types.js';
import { index, nodeId, term } from '../raft/types.js';

/** mulberry32: small, fast, good enough to drive fuzzing; same seed → same sequence. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The seed for a randomised test: $TEST_SEED when set, else a fresh one; always printed. */
export function testSeed(label: string): number {
  const fromEnv = process.env['TEST_SEED'];
  const seed = fromEnv !== undefined ? Number(fromEnv) >>> 0 : (Math.random() * 2 ** 32) >>> 0;
  console.log(`# ${label}: seed ${seed} (replay with TEST_SEED=${seed})`);
  return seed;
}

export function msg(fields: Partial<Message> & { type: MessageType }): Message {
  return {
    from: nodeId('a'),
    to: nodeId('b'),
    term: term(0),
    logTerm: term(0),
    index: index(0),
    commit: index(0),
    reject: false,
    rejectHint: index(0),
    entries: [],
    context: new Uint8Array(0),
    snapshot: null,
    ...fields,
  };
}

export function entry(t: number, i: number, data: Uint8Array | string = new Uint8Array(0), type: 0 | 1 = 0): Entry {
  return { term: term(t), index: index(i), type, data: typeof data === 'string' ? new TextEncoder().encode(data) : data };
}

export function snapshot(i: number, t: number, voters: string[], data: Uint8Array): Snapshot {
  return { meta: { index: index(i), term: term(t), conf: { voters: voters.map((v) => nodeId(v) as NodeId) } }, data };
}

/** A plain-object view of a message, for deepEqual across Buffer/Uint8Array differences. */
export function plain(m: Message): unknown {
  const bytes = (b: Uint8Array): number[] => Array.from(b);
  return {
    ...m,
    entries: m.entries.map((e) => ({ ...e, data: bytes(e.data) })),
    context: bytes(m.context),
    snapshot: m.snapshot === null ? null : { meta: m.snapshot.meta, data: bytes(m.snapshot.data) },
  };
}
