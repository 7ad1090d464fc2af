// The receiving half of a link: one upgraded socket a peer writes to. Frames are
// decoded and handed on; a frame that fails to decode is dropped (the framing around
// it is intact), a broken stream protocol closes the connection.
import type { Duplex } from 'node:stream';
import type { Message, NodeId } from '../raft/types.js';
import type { DecodeError } from './codec.js';
import { FrameDecoder } from './framing.js';
import type { Logger } from './logger.js';
import { RateLimitedLog } from './logger.js';
import { InboundStream } from './wire.js';

export interface InboundHost {
  readonly selfId: NodeId;
  readonly logger: Logger;
  readonly maxFrameBytes: number;
  readonly maxSnapshotBytes: number;
  deliver(from: NodeId, m: Message): void;
  countDecodeError(from: NodeId): void;
  onClosed(conn: InboundConnection): void;
}

export class InboundConnection {
  private readonly decoder: FrameDecoder;
  private readonly stream: InboundStream;
  private readonly badFrameLog = new RateLimitedLog(1000);
  private isClosed = false;

  constructor(readonly from: NodeId, readonly socket: Duplex, head: Buffer, private readonly host: InboundHost) {
    this.stream = new InboundStream(host.maxSnapshotBytes, (m) => this.onMessage(m), (err) => this.onDecodeError(err));
    this.decoder = new FrameDecoder(host.maxFrameBytes, (p) => this.stream.payload(p));
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err) => host.logger.debug({ peer: from, err }, 'inbound peer stream error'));
    socket.on('end', () => this.close('peer closed'));
    socket.on('close', () => this.close('closed'));
    if (head.length > 0) this.onData(head);
  }

  close(reason: string): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.decoder.stop();
    this.socket.destroy();
    this.host.logger.debug({ peer: this.from, reason }, 'inbound peer stream closed');
    this.host.onClosed(this);
  }

  private onData(chunk: Buffer): void {
    try {
      this.decoder.push(chunk);
    } catch (err) {
      // FrameTooLargeError or ProtocolError: not our protocol, or a peer we cannot follow.
      if (err instanceof Error && (err.name === 'FrameTooLargeError' || err.name === 'ProtocolError')) {
        this.host.logger.error({ peer: this.from, err }, 'peer broke the stream protocol; disconnecting');
        this.close(err.message);
        return;
      }
      throw err;
    }
  }

  private onMessage(m: Message): void {
    if (this.isClosed) return;
    if (m.from !== this.from || m.to !== this.host.selfId) {
      this.host.countDecodeError(this.from);
      this.badFrameLog.maybe((suppressed) => this.host.logger.warn(
        { peer: this.from, msgFrom: m.from, msgTo: m.to, suppressed }, 'message with wrong addresses dropped'));
      return;
    }
    this.host.deliver(this.from, m);
  }

  private onDecodeError(err: DecodeError): void {
    this.host.countDecodeError(this.from);
    this.badFrameLog.maybe((suppressed) => this.host.logger.warn({ peer: this.from, err, suppressed }, 'undecodable frame dropped'));
  }
}
