// ReadIndex bookkeeping (dissertation 6.4; etcd read_only.go). Reads are grouped into rounds:
// every read queued during one turn of the driver shares one heartbeat broadcast, and a round
// is released once a quorum has answered a heartbeat of that round or of any later one (an
// answer to a later heartbeat proves leadership at a later moment, which covers earlier rounds).
import { quorumReached } from './quorum.js';
import type { Index, NodeId } from './types.js';

export interface PendingRead {
  readonly context: Uint8Array;
  /** Who asked: this node, or a follower that forwarded MsgReadIndex. */
  readonly from: NodeId;
}

interface ReadRound {
  readonly id: number;
  readonly index: Index;
  readonly acks: Set<NodeId>;
  readonly reads: PendingRead[];
}

export class ReadOnly {
  /** Accepted, waiting for the next round to start. */
  private queued: PendingRead[] = [];
  /** Received before this leader committed an entry of its term; the commit index is not yet safe. */
  private waitingForTermCommit: PendingRead[] = [];
  private rounds: ReadRound[] = [];
  private nextRoundId = 1;

  add(read: PendingRead, termCommitted: boolean): void {
    (termCommitted ? this.queued : this.waitingForTermCommit).push(read);
  }

  /** The leader committed its first entry of the term: parked reads may proceed. */
  termCommitted(): void {
    if (this.waitingForTermCommit.length === 0) return;
    this.queued.push(...this.waitingForTermCommit);
    this.waitingForTermCommit = [];
  }

  hasQueued(): boolean {
    return this.queued.length > 0;
  }

  /** Start a round for all queued reads at the current commit index. Returns its id. */
  startRound(index: Index, self: NodeId): number {
    const round: ReadRound = { id: this.nextRoundId++, index, acks: new Set([self]), reads: this.queued };
    this.queued = [];
    this.rounds.push(round);
    return round.id;
  }

  /** A heartbeat answer for round `id` from `from`. Returns the reads released, with their index. */
  recvAck(id: number, from: NodeId, voters: readonly NodeId[]): Array<{ read: PendingRead; index: Index }> {
    for (const r of this.rounds) {
      if (r.id > id) break;
      r.acks.add(from);
    }
    const released: Array<{ read: PendingRead; index: Index }> = [];
    while (this.rounds.length > 0 && quorumReached(voters, this.rounds[0]!.acks)) {
      const r = this.rounds.shift()!;
      for (const read of r.reads) released.push({ read, index: r.index });
    }
    return released;
  }

  pendingCount(): number {
    return this.queued.length + this.waitingForTermCommit.length + this.rounds.reduce((n, r) => n + r.reads.length, 0);
  }

  /** Leadership lost: every pending read is dropped (the clients time out and retry). */
  reset(): void {
    this.queued = [];
    this.waitingForTermCommit = [];
    this.rounds = [];
  }
}

export function encodeRoundId(id: number): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setFloat64(0, id);
  return b;
}
export function decodeRoundId(ctx: Uint8Array): number | undefined {
  if (ctx.length !== 8) return undefined;
  const v = new DataView(ctx.buffer, ctx.byteOffset, 8).getFloat64(0);
  return Number.isSafeInteger(v) && v > 0 ? v : undefined;
}
