// Builders and comparisons shared by the storage tests (not a test file itself).
import type { Entry, EntryType, HardState, Index, NodeId, RestoredState, Snapshot, Term } from '../raft/types.js';
import type { LogUpdate } from './log-store.js';
import { MemoryLogStore } from './memory-log-store.js';

export function entry(index: number, term: number, text = `e${index}t${term}`): Entry {
  return { index: index as Index, term: term as Term, type: 0 as EntryType, data: Buffer.from(text) };
}

export function entries(from: number, to: number, term: number): Entry[] {
  const out: Entry[] = [];
  for (let i = from; i <= to; i++) out.push(entry(i, term));
  return out;
}

export function hardState(term: number, vote: string, commit: number): HardState {
  return { term: term as Term, vote: vote as NodeId, commit: commit as Index };
}

export function snapshot(index: number, term: number, data = `state@${index}`, voters = ['n1', 'n2', 'n3']): Snapshot {
  return { meta: { index: index as Index, term: term as Term, conf: { voters: voters as NodeId[] } }, data: Buffer.from(data) };
}

export function update(u: Partial<LogUpdate>): LogUpdate {
  return { snapshot: u.snapshot ?? null, entries: u.entries ?? [], hardState: u.hardState ?? null };
}

/** A plain, comparable picture of a restored state. */
export function describe(r: RestoredState): string {
  const hs = r.hardState;
  const s = r.snapshot;
  return JSON.stringify({
    hardState: [hs.term, hs.vote, hs.commit],
    snapshot: s ? [s.meta.index, s.meta.term, s.meta.conf.voters, Buffer.from(s.data).toString()] : null,
    entries: r.entries.map((e) => `${e.index}/${e.term}/${e.type}/${Buffer.from(e.data).toString()}`),
  });
}

/** The state after `base` plus the first `records` records of `u` (snapshot, entries, hard
 *  state), computed by the in-memory store. */
export function applyPrefix(base: RestoredState, u: LogUpdate, records: number): RestoredState {
  const store = new MemoryLogStore(base, { syncDelay: () => new Promise<void>(() => {}) });
  void store.save(u).catch(() => undefined);
  return store.crash({ tearLastWrite: true, random: () => records });
}

export function recordCount(u: LogUpdate): number {
  return (u.snapshot ? 1 : 0) + u.entries.length + (u.hardState ? 1 : 0);
}

/** mulberry32: small, seedable, good enough for choosing test cases. */
export function prng(seed: number): (n: number) => number {
  let a = seed >>> 0;
  return (n: number) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    const r = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    return Math.floor(r * n);
  };
}
