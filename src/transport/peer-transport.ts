// Peer-to-peer messaging for one node. Design:
// - Each node dials every peer once and only ever writes on that connection; it only
//   reads on connections peers dialled to it. Two one-way streams per pair, so there is
//   no dial race to break, no "who owns the socket" handover, and a sender's queue and
//   backpressure concern exactly one socket.
// - Both directions ride the HTTP port (Upgrade: raftkv-peer/1), so one port per node.
// - send() only queues; all messages queued in one event-loop turn leave in one write
//   per peer, at setImmediate.
// - MsgSnap is streamed in chunk frames between ordinary frames on the same connection,
//   so heartbeats are not stuck behind a large snapshot (see wire.ts).
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Message, NodeId } from '../raft/types.js';
import { checkUpgradeRequest, rejectUpgrade, SWITCHING_PROTOCOLS_RESPONSE } from './handshake.js';
import { InboundConnection } from './inbound-connection.js';
import type { InboundHost } from './inbound-connection.js';
import type { Logger } from './logger.js';
import { silentLogger } from './logger.js';
import { defaultTransportOptions } from './options.js';
import type { TransportOptions } from './options.js';
import { PeerSender } from './peer-sender.js';
import type { SenderHost, SnapshotStatus } from './peer-sender.js';

export interface PeerTransportConfig {
  readonly selfId: NodeId;
  /** The other members: id -> host:port (their one port). An entry for selfId is ignored. */
  readonly peers: ReadonlyMap<NodeId, string>;
  /** Every message received from a peer, in order per peer. Called synchronously from socket I/O. */
  readonly onMessage: (m: Message) => void;
  /** A send to `id` failed or could not be attempted (called at most once per peer per event-loop turn,
   *  never from inside send()): the node should call rawNode.reportUnreachable(id). */
  readonly onUnreachable?: (id: NodeId) => void;
  /** A MsgSnap to `id` was fully written ('finished') or lost ('failure'). */
  readonly onSnapshotStatus?: (id: NodeId, status: SnapshotStatus) => void;
  readonly logger?: Logger;
  readonly options?: Partial<TransportOptions>;
}

/** One peer's link as /cluster and /metrics show it. */
export interface PeerLinkStats {
  readonly id: NodeId;
  readonly address: string;
  /** Our outbound stream to the peer is up. */
  readonly connected: boolean;
  /** The peer's stream to us is up. */
  readonly inboundConnected: boolean;
  readonly lastHeardMsAgo: number | null;
  readonly lastSentMsAgo: number | null;
  readonly queueMessages: number;
  readonly queueBytes: number;
  readonly messagesSent: number;
  readonly messagesReceived: number;
  readonly drops: number;
  readonly decodeErrors: number;
  readonly reconnects: number;
  readonly snapshotInFlight: boolean;
}

interface ReceiveCounters {
  received: number;
  decodeErrors: number;
  lastHeardMs: number | null;
}

export class PeerTransport {
  readonly selfId: NodeId;
  private readonly options: TransportOptions;
  private readonly logger: Logger;
  private readonly senders = new Map<NodeId, PeerSender>();
  private readonly receive = new Map<NodeId, ReceiveCounters>();
  private readonly inbound = new Map<NodeId, InboundConnection>();
  private readonly dirty = new Set<PeerSender>();
  private flushImmediate: NodeJS.Immediate | null = null;
  private readonly unreachable = new Set<NodeId>();
  private unreachableImmediate: NodeJS.Immediate | null = null;
  private isClosed = false;

  private readonly config: PeerTransportConfig;

  constructor(config: PeerTransportConfig) {
    this.config = config;
    this.selfId = config.selfId;
    this.options = { ...defaultTransportOptions, ...config.options };
    this.logger = config.logger ?? silentLogger;
    this.senderHost = this.makeSenderHost();
    this.inboundHost = this.makeInboundHost();
    for (const [id, address] of config.peers) this.addPeer(id, address);
  }

  /** Queues `m` for `m.to`. Never blocks and never throws for a dead or unknown peer. */
  send(m: Message): void {
    if (this.isClosed) return;
    const sender = this.senders.get(m.to);
    if (sender === undefined) {
      this.logger.debug({ to: m.to }, 'message for an unknown peer dropped');
      return;
    }
    sender.enqueue(m);
  }

  /**
   * Queues a whole turn's messages and writes them at once. The caller (the node's Ready loop)
   * has already gathered everything of its turn, so waiting for setImmediate would only add a
   * loop iteration to the latency of every write.
   */
  sendAll(messages: readonly Message[]): void {
    for (const m of messages) this.send(m);
    this.flushDirty();
  }

  private flushDirty(): void {
    if (this.flushImmediate !== null) {
      clearImmediate(this.flushImmediate);
      this.flushImmediate = null;
    }
    if (this.dirty.size === 0) return;
    const batch = [...this.dirty];
    this.dirty.clear();
    for (const s of batch) s.flush();
  }

  /** Membership change: start talking to a new member (or move it to a new address). */
  addPeer(id: NodeId, address: string): void {
    if (this.isClosed || id === this.selfId) return;
    const existing = this.senders.get(id);
    if (existing?.address === address) return;
    existing?.close();
    this.senders.set(id, new PeerSender(id, address, this.senderHost));
    if (!this.receive.has(id)) this.receive.set(id, { received: 0, decodeErrors: 0, lastHeardMs: null });
  }

  removePeer(id: NodeId): void {
    this.senders.get(id)?.close();
    this.senders.delete(id);
    this.inbound.get(id)?.close('peer removed');
    this.receive.delete(id);
  }

  /**
   * For the HTTP server's 'upgrade' event. Accepts `GET /raft/peer` upgrades addressed to
   * this node from a known peer; answers anything else with 400/403/404 and closes it.
   */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    if (this.isClosed) { rejectUpgrade(socket, 503, 'node is shutting down'); return; }
    const check = checkUpgradeRequest(req, {
      selfId: this.selfId,
      clusterId: this.options.clusterId,
      isKnownPeer: (id) => this.senders.has(id),
    });
    if (!check.ok) {
      this.logger.warn({ status: check.status, reason: check.reason, remote: req.socket.remoteAddress }, 'peer upgrade refused');
      rejectUpgrade(socket, check.status, check.reason);
      return;
    }
    const from = check.from;
    // A new stream from a peer means it has given up on its old one (it keeps one at a time).
    this.inbound.get(from)?.close('replaced by a new connection');
    const s = socket as Duplex & { setNoDelay?: (v: boolean) => void; setKeepAlive?: (v: boolean, ms: number) => void; setTimeout?: (ms: number) => void };
    s.setNoDelay?.(true);
    s.setKeepAlive?.(true, this.options.keepAliveMs);
    s.setTimeout?.(0);
    socket.write(SWITCHING_PROTOCOLS_RESPONSE);
    const conn = new InboundConnection(from, socket, head, this.inboundHost);
    if (!conn.socket.destroyed) this.inbound.set(from, conn);
    this.logger.info({ peer: from }, 'inbound peer stream accepted');
  }

  stats(): PeerLinkStats[] {
    const now = performance.now();
    const ago = (t: number | null): number | null => (t === null ? null : Math.round(now - t));
    return [...this.senders.values()].map((s) => {
      const r = this.receive.get(s.id);
      return {
        id: s.id,
        address: s.address,
        connected: s.connected,
        inboundConnected: this.inbound.has(s.id),
        lastHeardMsAgo: ago(r?.lastHeardMs ?? null),
        lastSentMsAgo: ago(s.lastSentMs),
        queueMessages: s.queueMessages,
        queueBytes: s.queueBytes,
        messagesSent: s.sent,
        messagesReceived: r?.received ?? 0,
        drops: s.dropped,
        decodeErrors: r?.decodeErrors ?? 0,
        reconnects: s.reconnects,
        snapshotInFlight: s.snapshotInFlight,
      };
    });
  }

  /**
   * Resolves true once every connected peer's queue and socket buffer are empty (e.g. a
   * MsgTimeoutNow before shutdown), or false after `timeoutMs`.
   */
  async flushed(timeoutMs: number): Promise<boolean> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const pending = [...this.senders.values()].some((s) => s.connected && !s.idle);
      if (!pending) return true;
      if (performance.now() >= deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  /** Drops every queue, closes every connection and timer; resolves when all sockets are closed. */
  async close(): Promise<void> {
    if (this.isClosed) return;
    this.isClosed = true;
    if (this.flushImmediate) clearImmediate(this.flushImmediate);
    if (this.unreachableImmediate) clearImmediate(this.unreachableImmediate);
    this.dirty.clear();
    this.unreachable.clear();
    const senders = [...this.senders.values()];
    for (const s of senders) s.close();
    const inboundSockets = [...this.inbound.values()].map((c) => c.socket);
    for (const c of [...this.inbound.values()]) c.close('transport closed');
    await Promise.all([
      ...senders.map((s) => s.closed()),
      ...inboundSockets.map((sock) => (sock.closed ? Promise.resolve() : new Promise<void>((r) => sock.once('close', () => r())))),
    ]);
  }

  private readonly senderHost: SenderHost;
  private readonly inboundHost: InboundHost;

  private makeSenderHost(): SenderHost {
    return {
      selfId: this.config.selfId,
      options: this.options,
      logger: this.logger,
      scheduleFlush: (sender: PeerSender): void => {
        this.dirty.add(sender);
        this.flushImmediate ??= setImmediate(() => this.flushDirty());
      },
      reportUnreachable: (id: NodeId): void => {
        const cb = this.config.onUnreachable;
        if (cb === undefined || this.isClosed) return;
        this.unreachable.add(id);
        this.unreachableImmediate ??= setImmediate(() => {
          this.unreachableImmediate = null;
          const ids = [...this.unreachable];
          this.unreachable.clear();
          for (const u of ids) cb(u);
        });
      },
      reportSnapshot: (id: NodeId, status: SnapshotStatus): void => {
        const cb = this.config.onSnapshotStatus;
        if (cb !== undefined && !this.isClosed) setImmediate(() => { if (!this.isClosed) cb(id, status); });
      },
    };
  }

  private makeInboundHost(): InboundHost {
    return {
      selfId: this.config.selfId,
      logger: this.logger,
      maxFrameBytes: this.options.maxFrameBytes,
      maxSnapshotBytes: this.options.maxSnapshotBytes,
      deliver: (from: NodeId, m: Message): void => {
        const r = this.receive.get(from);
        if (r !== undefined) { r.received++; r.lastHeardMs = performance.now(); }
        if (!this.isClosed) this.config.onMessage(m);
      },
      countDecodeError: (from: NodeId): void => {
        const r = this.receive.get(from);
        if (r !== undefined) r.decodeErrors++;
      },
      onClosed: (conn: InboundConnection): void => {
        if (this.inbound.get(conn.from) === conn) this.inbound.delete(conn.from);
      },
    };
  }
}
