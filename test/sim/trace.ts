// The last N events of a run, kept as cheap references and formatted only when a run
// fails (or in --verbose mode, as they happen).
import type { Message, Ready } from '../../src/raft/types.js';
import { MessageType, messageTypeName } from '../../src/raft/types.js';
import { UNITS_PER_TICK } from './options.js';

export interface TraceEvent {
  time: number;
  what: string;
  node: string;
  msg: Message | null;
  /** Formatted only when printed. */
  detail: string | Ready | (() => string);
}

export function describeMessage(m: Message): string {
  let s = `${m.from}->${m.to} ${messageTypeName(m.type).replace(/^Msg/, '')} t${m.term}`;
  switch (m.type) {
    case MessageType.MsgApp:
      s += ` prev=${m.index}/${m.logTerm} commit=${m.commit}`;
      if (m.entries.length > 0) {
        const a = m.entries[0];
        const b = m.entries[m.entries.length - 1];
        s += ` ents=[${a?.index}/${a?.term}..${b?.index}/${b?.term}]`;
      }
      break;
    case MessageType.MsgAppResp:
      s += ` idx=${m.index}` + (m.reject ? ` REJECT hint=${m.rejectHint}/${m.logTerm}` : '');
      break;
    case MessageType.MsgVote:
    case MessageType.MsgPreVote:
      s += ` last=${m.index}/${m.logTerm}`;
      break;
    case MessageType.MsgVoteResp:
    case MessageType.MsgPreVoteResp:
      s += m.reject ? ' REJECT' : ' GRANT';
      break;
    case MessageType.MsgHeartbeat:
      s += ` commit=${m.commit}`;
      break;
    case MessageType.MsgSnap:
      s += ` snap=${m.snapshot?.meta.index}/${m.snapshot?.meta.term}`;
      break;
    case MessageType.MsgReadIndexResp:
      s += ` idx=${m.index}` + (m.reject ? ' REJECT' : '');
      break;
    default:
      break;
  }
  if (m.context.length > 0) s += ` ctx=${new TextDecoder().decode(m.context)}`;
  return s;
}

export class Trace {
  private ring: TraceEvent[] = [];
  private next = 0;

  constructor(private readonly capacity: number, private readonly verbose: boolean) {}

  add(time: number, what: string, node: string, msg: Message | null = null, detail: TraceEvent['detail'] = ''): void {
    if (this.verbose) {
      console.log(formatEvent({ time, what, node, msg, detail }));
    }
    if (this.ring.length < this.capacity) {
      this.ring.push({ time, what, node, msg, detail });
      return;
    }
    const slot = this.ring[this.next] as TraceEvent;
    slot.time = time;
    slot.what = what;
    slot.node = node;
    slot.msg = msg;
    slot.detail = detail;
    this.next = (this.next + 1) % this.capacity;
  }

  lines(): string[] {
    const ordered = [...this.ring.slice(this.next), ...this.ring.slice(0, this.next)];
    return ordered.map(formatEvent);
  }
}

export function formatEvent(e: TraceEvent): string {
  const t = (e.time / UNITS_PER_TICK).toFixed(3).padStart(9);
  const body = e.msg !== null ? describeMessage(e.msg) : '';
  const d = e.detail;
  const detail = typeof d === 'string' ? d : typeof d === 'function' ? d() : describeReady(d);
  return `${t} ${e.what.padEnd(8)} ${e.node.padEnd(4)} ${body}${body && detail ? ' ' : ''}${detail}`;
}

export function describeReady(rd: Ready): string {
  const parts: string[] = [];
  if (rd.softState) parts.push(`soft=${rd.softState.role}/${rd.softState.leaderId || '-'}`);
  if (rd.hardState) parts.push(`hs=t${rd.hardState.term},v${rd.hardState.vote || '-'},c${rd.hardState.commit}`);
  if (rd.snapshot) parts.push(`snap=${rd.snapshot.meta.index}/${rd.snapshot.meta.term}`);
  const es = rd.entries;
  if (es.length > 0) parts.push(`ents=${es[0]?.index}/${es[0]?.term}..${es[es.length - 1]?.index}/${es[es.length - 1]?.term}`);
  const ce = rd.committedEntries;
  if (ce.length > 0) parts.push(`apply=${ce[0]?.index}..${ce[ce.length - 1]?.index}`);
  if (rd.messages.length > 0) parts.push(`msgs=${rd.messages.length}`);
  if (rd.messagesAfterPersist.length > 0) parts.push(`msgsAfter=${rd.messagesAfterPersist.length}`);
  if (rd.readStates.length > 0) parts.push(`reads=${rd.readStates.length}`);
  return parts.join(' ');
}
