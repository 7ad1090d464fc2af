// Readable one-line-per-thing descriptions of the core's outputs, for golden interaction
// scripts and debugging (etcd util.go DescribeMessage/DescribeReady). Only fields a message
// kind uses are printed, so a diff shows what changed in the protocol, not noise.
import { MessageType, messageTypeName, type Entry, type Message, type Ready, type Snapshot } from '../types.js';

const dec = new TextDecoder();

function text(b: Uint8Array): string {
  const s = dec.decode(b);
  // Binary contexts (read-index round ids) print as hex; readable ones as strings.
  return /^[\x20-\x7e]*$/.test(s) ? JSON.stringify(s) : `0x${Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('')}`;
}

export function describeEntry(e: Entry): string {
  return `${e.term}/${e.index}${e.type === 0 ? '' : ' ConfChange'} ${text(e.data)}`;
}

export function describeEntries(es: readonly Entry[]): string {
  return `[${es.map(describeEntry).join(', ')}]`;
}

export function describeSnapshot(s: Snapshot): string {
  return `Index:${s.meta.index} Term:${s.meta.term} Voters:[${s.meta.conf.voters.join(' ')}] Data:${text(s.data)}`;
}

export function describeMessage(m: Message): string {
  const parts = [`${m.from}->${m.to} ${messageTypeName(m.type)} Term:${m.term}`];
  switch (m.type) {
    case MessageType.MsgApp:
      parts.push(`Log:${m.logTerm}/${m.index} Commit:${m.commit}`);
      if (m.entries.length > 0) parts.push(`Entries:${describeEntries(m.entries)}`);
      break;
    case MessageType.MsgAppResp:
      parts.push(`Index:${m.index}`);
      if (m.reject) parts.push(`Rejected (Hint: ${m.rejectHint} LogTerm: ${m.logTerm})`);
      break;
    case MessageType.MsgVote:
    case MessageType.MsgPreVote:
      parts.push(`Log:${m.logTerm}/${m.index}`);
      if (m.context.length > 0) parts.push(`Context:${text(m.context)}`);
      break;
    case MessageType.MsgVoteResp:
    case MessageType.MsgPreVoteResp:
      if (m.reject) parts.push('Rejected');
      break;
    case MessageType.MsgHeartbeat:
      parts.push(`Commit:${m.commit}`);
      if (m.context.length > 0) parts.push(`Context:${text(m.context)}`);
      break;
    case MessageType.MsgHeartbeatResp:
    case MessageType.MsgReadIndex:
      if (m.context.length > 0) parts.push(`Context:${text(m.context)}`);
      break;
    case MessageType.MsgReadIndexResp:
      parts.push(`Index:${m.index} Context:${text(m.context)}`);
      if (m.reject) parts.push('Rejected');
      break;
    case MessageType.MsgSnap:
      if (m.snapshot) parts.push(`Snapshot: ${describeSnapshot(m.snapshot)}`);
      break;
  }
  return parts.join(' ');
}

/** Multi-line description; every line is prefixed with `indent`. */
export function describeReady(rd: Ready, indent = ''): string {
  const out: string[] = [];
  if (rd.softState) out.push(`Role:${rd.softState.role} Lead:${rd.softState.leaderId || '-'}`);
  if (rd.hardState) out.push(`HardState Term:${rd.hardState.term} Vote:${rd.hardState.vote || '-'} Commit:${rd.hardState.commit}`);
  if (rd.snapshot) out.push(`Snapshot ${describeSnapshot(rd.snapshot)}`);
  const list = (title: string, items: string[]) => {
    if (items.length === 0) return;
    out.push(`${title}:`);
    for (const i of items) out.push(`  ${i}`);
  };
  list('Entries', rd.entries.map(describeEntry));
  list('CommittedEntries', rd.committedEntries.map(describeEntry));
  list('Messages', rd.messages.map(describeMessage));
  list('MessagesAfterPersist', rd.messagesAfterPersist.map(describeMessage));
  list('ReadStates', rd.readStates.map((r) => `Index:${r.index} Context:${text(r.context)}`));
  if (rd.mustSync) out.push('MustSync');
  return out.map((l) => indent + l).join('\n');
}
