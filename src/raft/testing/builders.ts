// Tiny builders for single-node unit tests (etcd raft_paper_test.go style): a RawNode
// restored from a hand-made log, messages built field by field, and a Ready cycle that
// "persists" at once.
import { newMessage } from '../message.js';
import { RawNode } from '../raw-node.js';
import {
  EntryType,
  MessageType,
  index,
  nodeId,
  term,
  type Entry,
  type Message,
  type NodeId,
  type RaftConfig,
  type Ready,
} from '../types.js';
import { config } from './harness.js';

export { MessageType };

/** Entries 1..n whose terms are `terms` (etcd `index(1).terms(1,2,3)`). */
export function entriesWithTerms(terms: readonly number[], first = 1): Entry[] {
  return terms.map((t, i) => ({ term: term(t), index: index(first + i), type: EntryType.Normal, data: new TextEncoder().encode(`e${first + i}`) }));
}

export interface NodeSpec {
  id: string;
  voters: string[];
  /** Terms of the log entries 1..n. */
  logTerms?: number[];
  term?: number;
  vote?: string;
  commit?: number;
  cfg?: Partial<RaftConfig>;
}

/** A node restored from disk with exactly this log and hard state. */
export function restoredNode(spec: NodeSpec): RawNode {
  const entries = entriesWithTerms(spec.logTerms ?? []);
  return new RawNode(config(spec.id, spec.voters, spec.cfg ?? {}), {
    hardState: { term: term(spec.term ?? 0), vote: nodeId(spec.vote ?? ''), commit: index(spec.commit ?? 0) },
    snapshot: null,
    entries,
  });
}

export function msg(type: Message['type'], from: string, to: string, fields: Partial<Omit<Message, 'type' | 'from' | 'to'>> = {}): Message {
  return newMessage({ type, from: nodeId(from), to: nodeId(to), ...fields });
}

/** A MsgApp from `from` at term `t`: prev entry (prevIndex, prevTerm), then entries of the given terms. */
export function app(from: string, to: string, t: number, prevIndex: number, prevTerm: number, entryTerms: number[], commit = 0): Message {
  return msg(MessageType.MsgApp, from, to, {
    term: term(t),
    index: index(prevIndex),
    logTerm: term(prevTerm),
    commit: index(commit),
    entries: entriesWithTerms(entryTerms, prevIndex + 1),
  });
}

/** Take every pending Ready, "persist" it at once, advance; returns them. */
export function drain(node: RawNode): Ready[] {
  const out: Ready[] = [];
  while (node.hasReady()) {
    const rd = node.ready();
    out.push(rd);
    node.advance(rd);
  }
  return out;
}

/** All messages of the drained Readies, both lists, in order. */
export function drainMessages(node: RawNode): Message[] {
  return drain(node).flatMap((rd) => [...rd.messages, ...rd.messagesAfterPersist]);
}

export function ofType(msgs: readonly Message[], type: Message['type'], to?: string): Message[] {
  return msgs.filter((m) => m.type === type && (to === undefined || m.to === to));
}

export const id = (s: string): NodeId => nodeId(s);
