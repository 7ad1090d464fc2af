// The outbound half of the link to one peer: a bounded queue, one upgraded TCP
// connection that only this side writes to, batching, backpressure, reconnects,
// and snapshot streaming interleaved with ordinary messages.
import http from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { MessageType } from '../raft/types.js';
import type { Message, NodeId } from '../raft/types.js';
import { FRAME_HEADER_BYTES } from './framing.js';
import { HEADER_CLUSTER, HEADER_FROM, HEADER_TO, PEER_PATH, PEER_PROTOCOL, parseAddress } from './handshake.js';
import type { Logger } from './logger.js';
import type { TransportOptions } from './options.js';
import { SendQueue } from './send-queue.js';
import { messageFrameBytes, snapshotBeginFrame, snapshotChunkHeader, writeMessageFrame } from './wire.js';

export type SnapshotStatus = 'finished' | 'failure';

/** What a sender needs from the transport that owns it. */
export interface SenderHost {
  readonly selfId: NodeId;
  readonly options: TransportOptions;
  readonly logger: Logger;
  /** Ask for flush() to run at the end of this event-loop turn. */
  scheduleFlush(sender: PeerSender): void;
  reportUnreachable(id: NodeId): void;
  reportSnapshot(id: NodeId, status: SnapshotStatus): void;
}

type State = 'idle' | 'backoff' | 'dialing' | 'connected' | 'closed';

interface ActiveSnapshot {
  readonly m: Message;
  readonly data: Uint8Array;
  /** -1 until SNAP_BEGIN is written, then the bytes of data written so far. */
  offset: number;
}

/** Writes per flush before yielding to the event loop, so one busy peer cannot starve the others. */
const WRITES_PER_TURN = 8;
/** Snapshot chunks per flush: bounds the copying done in one turn (a few MiB) when the kernel keeps accepting. */
const SNAPSHOT_CHUNKS_PER_TURN = 2;

export class PeerSender {
  private state: State = 'idle';
  private socket: Socket | null = null;
  private request: http.ClientRequest | null = null;
  private timer: NodeJS.Timeout | null = null;
  private stallTimer: NodeJS.Timeout | null = null;
  private blocked = false;
  private attempts = 0;
  private readonly queue: SendQueue;
  private pendingSnapshot: Message | null = null;
  private activeSnapshot: ActiveSnapshot | null = null;
  private readonly openSockets = new Set<Duplex>();

  sent = 0;
  dropped = 0;
  reconnects = 0;
  lastSentMs: number | null = null;

  constructor(readonly id: NodeId, readonly address: string, private readonly host: SenderHost) {
    const o = host.options;
    this.queue = new SendQueue(o.maxQueueMessages, o.maxQueueBytes);
    if (o.dialEagerly) this.dial();
  }

  get connected(): boolean { return this.state === 'connected'; }
  get queueMessages(): number { return this.queue.length + (this.pendingSnapshot ? 1 : 0) + (this.activeSnapshot ? 1 : 0); }
  get queueBytes(): number { return this.queue.bytes; }
  get snapshotInFlight(): boolean { return this.activeSnapshot !== null; }
  /** Nothing queued and nothing waiting in the socket's buffer. */
  get idle(): boolean {
    return this.queueMessages === 0 && (this.socket === null || this.socket.writableLength === 0);
  }

  /** Queues `m`; never blocks, never throws for a dead peer. */
  enqueue(m: Message): void {
    if (this.state === 'closed') return;
    if (m.type === MessageType.MsgSnap) {
      if (m.snapshot === null) { this.drop([m], 'MsgSnap without a snapshot'); return; }
      // The leader sends one snapshot at a time; a newer one supersedes one not yet started.
      if (this.pendingSnapshot !== null) this.dropSnapshot(this.pendingSnapshot, 'superseded by a newer snapshot');
      this.pendingSnapshot = m;
    } else {
      const frameBytes = messageFrameBytes(m);
      if (frameBytes - FRAME_HEADER_BYTES > this.host.options.maxFrameBytes) {
        this.host.logger.error({ peer: this.id, frameBytes }, 'message exceeds maxFrameBytes; dropped');
        this.drop([m], 'too large');
        return;
      }
      const dropped = this.queue.push({ m, frameBytes });
      if (dropped.length > 0) this.drop(dropped, 'queue full');
    }
    if (this.state === 'connected') this.host.scheduleFlush(this);
    else {
      this.host.reportUnreachable(this.id);
      if (this.state === 'idle') this.dial();
    }
  }

  /** Writes what is queued, in order, until the socket pushes back. */
  flush(): void {
    const socket = this.socket;
    if (this.state !== 'connected' || socket === null || this.blocked) return;
    let chunks = 0;
    for (let writes = 0; writes < WRITES_PER_TURN; writes++) {
      let ok: boolean;
      if (this.queue.length > 0) ok = this.writeMessages(socket);
      else if ((this.activeSnapshot !== null || this.pendingSnapshot !== null) && chunks++ < SNAPSHOT_CHUNKS_PER_TURN) {
        ok = this.writeSnapshotFrame(socket);
      } else if (this.activeSnapshot !== null || this.pendingSnapshot !== null) break;
      else return;
      if (this.socket !== socket) return; // the write failed synchronously and tore the connection down
      if (!ok) {
        this.blocked = true;
        this.stallTimer = setTimeout(() => this.onStalled(socket), this.host.options.writeStallTimeoutMs);
        return;
      }
    }
    // Still more to write: let other peers and incoming I/O have a turn first.
    this.host.scheduleFlush(this);
  }

  close(): void {
    this.state = 'closed';
    this.clearTimers();
    this.request?.destroy();
    this.request = null;
    this.socket?.destroy();
    this.socket = null;
    this.queue.clear();
    this.pendingSnapshot = null;
    this.activeSnapshot = null;
  }

  /** Resolves when every socket this sender opened has closed. */
  async closed(): Promise<void> {
    // Sockets leave the set on 'close', so every one still in it has that event to come.
    await Promise.all([...this.openSockets].map((s) => new Promise<void>((resolve) => s.once('close', () => resolve()))));
  }

  private writeMessages(socket: Socket): boolean {
    const batch = this.queue.take(this.host.options.writeBatchBytes);
    let total = 0;
    for (const q of batch) total += q.frameBytes;
    // One buffer and one write for the whole batch.
    const buf = Buffer.allocUnsafe(total);
    let o = 0;
    for (const q of batch) o = writeMessageFrame(q.m, buf, o, q.frameBytes);
    this.sent += batch.length;
    this.lastSentMs = performance.now();
    return socket.write(buf);
  }

  private writeSnapshotFrame(socket: Socket): boolean {
    let s = this.activeSnapshot;
    if (s === null) {
      const m = this.pendingSnapshot;
      if (m === null || m.snapshot === null) return true;
      this.pendingSnapshot = null;
      s = this.activeSnapshot = { m, data: m.snapshot.data, offset: -1 };
    }
    if (s.offset < 0) {
      s.offset = 0;
      const ok = socket.write(snapshotBeginFrame(s.m));
      if (s.data.length === 0) this.finishSnapshot(s, socket);
      return ok;
    }
    const end = Math.min(s.data.length, s.offset + this.host.options.snapshotChunkBytes);
    const chunk = s.data.subarray(s.offset, end);
    s.offset = end;
    socket.cork();
    socket.write(snapshotChunkHeader(chunk.length));
    const ok = socket.write(chunk);
    socket.uncork();
    if (end === s.data.length) this.finishSnapshot(s, socket);
    return ok;
  }

  private finishSnapshot(s: ActiveSnapshot, socket: Socket): void {
    this.activeSnapshot = null;
    this.sent++;
    this.lastSentMs = performance.now();
    // "Finished" once the last byte has left for the kernel; the peer's reply confirms the rest.
    socket.write(Buffer.alloc(0), (err) => {
      if (this.state !== 'closed') this.host.reportSnapshot(this.id, err ? 'failure' : 'finished');
    });
  }

  private dial(): void {
    if (this.state === 'closed') return;
    this.state = 'dialing';
    const { options, selfId, logger } = this.host;
    let target: { host: string; port: number };
    try {
      target = parseAddress(this.address);
    } catch (err) {
      logger.error({ peer: this.id, address: this.address, err }, 'bad peer address');
      this.retryLater();
      return;
    }
    const headers: Record<string, string> = {
      Connection: 'Upgrade',
      Upgrade: PEER_PROTOCOL,
      [HEADER_FROM]: selfId,
      [HEADER_TO]: this.id,
    };
    if (options.clusterId !== undefined) headers[HEADER_CLUSTER] = options.clusterId;
    const req = http.request({ host: target.host, port: target.port, path: PEER_PATH, method: 'GET', headers, agent: false });
    this.request = req;
    req.on('socket', (s) => this.track(s));
    this.timer = setTimeout(() => req.destroy(new Error(`no upgrade within ${options.connectTimeoutMs} ms`)), options.connectTimeoutMs);
    const fail = (reason: string, err?: unknown): void => {
      if (this.request !== req) return;
      this.request = null;
      req.destroy();
      logger.debug({ peer: this.id, address: this.address, reason, err }, 'peer dial failed');
      this.retryLater();
    };
    req.on('upgrade', (res, socket, head) => {
      this.track(socket);
      if (this.request !== req) { socket.destroy(); return; }
      this.request = null;
      const upgrade = String(res.headers.upgrade ?? '').toLowerCase();
      if (res.statusCode !== 101 || upgrade !== PEER_PROTOCOL || head.length > 0) {
        socket.destroy();
        logger.warn({ peer: this.id, status: res.statusCode, upgrade }, 'peer answered the upgrade with something else');
        this.retryLater();
        return;
      }
      this.onConnected(socket as Socket);
    });
    req.on('response', (res) => {
      res.resume();
      logger.warn({ peer: this.id, status: res.statusCode }, 'peer refused the upgrade');
      fail(`HTTP ${res.statusCode ?? '?'}`);
    });
    req.on('error', (err) => fail(err.message, err));
    req.end();
  }

  private onConnected(socket: Socket): void {
    this.clearTimers();
    this.state = 'connected';
    this.socket = socket;
    this.blocked = false;
    this.attempts = 0;
    socket.setNoDelay(true);
    socket.setKeepAlive(true, this.host.options.keepAliveMs);
    socket.setTimeout(0);
    this.host.logger.info({ peer: this.id, address: this.address }, 'peer stream connected');
    // The receiving side never writes: anything it sends means we are not talking to our protocol.
    socket.on('data', () => this.disconnect(socket, 'peer sent data on an outbound stream'));
    socket.on('drain', () => {
      if (this.socket !== socket) return;
      this.blocked = false;
      if (this.stallTimer) { clearTimeout(this.stallTimer); this.stallTimer = null; }
      this.flush();
    });
    socket.on('error', (err) => this.host.logger.debug({ peer: this.id, err }, 'peer stream error'));
    socket.on('close', () => this.disconnect(socket, 'closed'));
    this.flush();
  }

  private onStalled(socket: Socket): void {
    this.stallTimer = null;
    this.host.logger.warn({ peer: this.id, buffered: socket.writableLength }, 'peer stopped reading; reconnecting');
    this.disconnect(socket, 'write stall');
  }

  private disconnect(socket: Socket, reason: string): void {
    if (this.socket !== socket) return;
    socket.destroy();
    this.socket = null;
    this.blocked = false;
    if (this.stallTimer) { clearTimeout(this.stallTimer); this.stallTimer = null; }
    if (this.state === 'closed') return;
    this.host.logger.info({ peer: this.id, reason }, 'peer stream lost');
    // A half-sent snapshot is useless: the receiver discards it with the connection.
    if (this.activeSnapshot !== null) {
      this.dropSnapshot(this.activeSnapshot.m, 'connection lost mid-stream');
      this.activeSnapshot = null;
    }
    this.reconnects++;
    this.retryLater();
  }

  private retryLater(): void {
    if (this.state === 'closed') return;
    this.clearTimers();
    this.host.reportUnreachable(this.id);
    const { backoffMinMs, backoffMaxMs, random } = this.host.options;
    const ceiling = Math.min(backoffMaxMs, backoffMinMs * 2 ** Math.min(this.attempts, 30));
    this.attempts++;
    // Equal jitter: at least half the ceiling so a flapping peer is not hammered, the rest random.
    const delay = ceiling / 2 + random() * (ceiling / 2);
    this.state = 'backoff';
    this.timer = setTimeout(() => { this.timer = null; this.dial(); }, delay);
  }

  private drop(messages: Message[], reason: string): void {
    this.dropped += messages.length;
    this.host.logger.debug({ peer: this.id, count: messages.length, reason }, 'messages dropped');
    this.host.reportUnreachable(this.id);
  }

  private dropSnapshot(m: Message, reason: string): void {
    this.drop([m], reason);
    this.host.reportSnapshot(this.id, 'failure');
  }

  private track(s: Duplex): void {
    if (this.openSockets.has(s)) return;
    this.openSockets.add(s);
    s.once('close', () => this.openSockets.delete(s));
  }

  private clearTimers(): void {
    if (this.timer) { clearTimeout(this.timer); this.timer = null; }
    if (this.stallTimer) { clearTimeout(this.stallTimer); this.stallTimer = null; }
  }
}
