// The bounded outgoing queue of one peer. When it is full, the oldest MsgApp or
// heartbeat goes first: Raft recovers from their loss by itself (the leader re-probes,
// the next heartbeat comes anyway), while votes and transfer orders are worth keeping.
import { MessageType } from '../raft/types.js';
import type { Message } from '../raft/types.js';

export interface QueuedMessage {
  readonly m: Message;
  /** Bytes of its frame on the wire. */
  readonly frameBytes: number;
}

function isExpendable(m: Message): boolean {
  return m.type === MessageType.MsgApp || m.type === MessageType.MsgHeartbeat || m.type === MessageType.MsgHeartbeatResp;
}

export class SendQueue {
  // A deque over an array: `head` is the oldest slot; dropped slots become null.
  private items: Array<QueuedMessage | null> = [];
  private head = 0;
  private count = 0;
  private byteCount = 0;

  constructor(readonly maxMessages: number, readonly maxBytes: number) {}

  get length(): number { return this.count; }
  get bytes(): number { return this.byteCount; }

  /** Adds `item`, evicting older messages to stay within bounds; returns what was dropped (maybe `item` itself). */
  push(item: QueuedMessage): Message[] {
    if (item.frameBytes > this.maxBytes) return [item.m];
    const dropped: Message[] = [];
    while (this.count + 1 > this.maxMessages || this.byteCount + item.frameBytes > this.maxBytes) {
      const victim = this.evictOldest(isExpendable) ?? this.evictOldest(() => true);
      if (victim === undefined) break;
      dropped.push(victim.m);
    }
    this.items.push(item);
    this.count++;
    this.byteCount += item.frameBytes;
    return dropped;
  }

  /** Removes and returns the oldest messages, at least one, up to `maxBytes` of frames. */
  take(maxBytes: number): QueuedMessage[] {
    const out: QueuedMessage[] = [];
    let bytes = 0;
    while (this.count > 0) {
      const item = this.items[this.head];
      if (item === null || item === undefined) { this.head++; continue; }
      if (out.length > 0 && bytes + item.frameBytes > maxBytes) break;
      this.items[this.head++] = null;
      this.count--;
      this.byteCount -= item.frameBytes;
      bytes += item.frameBytes;
      out.push(item);
    }
    this.compact();
    return out;
  }

  /** Empties the queue; returns how many messages were in it. */
  clear(): number {
    const n = this.count;
    this.items = [];
    this.head = 0;
    this.count = 0;
    this.byteCount = 0;
    return n;
  }

  private evictOldest(pred: (m: Message) => boolean): QueuedMessage | undefined {
    for (let i = this.head; i < this.items.length; i++) {
      const item = this.items[i];
      if (item !== null && item !== undefined && pred(item.m)) {
        this.items[i] = null;
        this.count--;
        this.byteCount -= item.frameBytes;
        if (i === this.head) this.head++;
        this.compact();
        return item;
      }
    }
    return undefined;
  }

  private compact(): void {
    while (this.head < this.items.length && this.items[this.head] === null) this.head++;
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }
}
