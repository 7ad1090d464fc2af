// Tunables of the peer transport, with defaults sized for a LAN cluster.
export interface TransportOptions {
  /** Messages queued per peer before the oldest expendable ones are dropped. */
  readonly maxQueueMessages: number;
  /** Bytes of frames queued per peer (snapshots are not counted: one streams at a time). */
  readonly maxQueueBytes: number;
  /** Largest frame accepted or sent; a bigger incoming header closes the connection. */
  readonly maxFrameBytes: number;
  /** Largest snapshot data accepted from a peer. */
  readonly maxSnapshotBytes: number;
  /** Snapshot data is streamed in chunk frames of this size. */
  readonly snapshotChunkBytes: number;
  /** Queued messages are concatenated into writes of up to this many bytes. */
  readonly writeBatchBytes: number;
  readonly connectTimeoutMs: number;
  /** Reconnect delay: doubles from min to max, with jitter, reset by a successful connect. */
  readonly backoffMinMs: number;
  readonly backoffMaxMs: number;
  readonly keepAliveMs: number;
  /** A connection whose writes stay blocked this long (peer not reading) is dropped and redialled. */
  readonly writeStallTimeoutMs: number;
  /** Sent as X-Raft-Cluster and checked on inbound upgrades when both sides set it. */
  readonly clusterId: string | undefined;
  /** Dial every peer at start instead of on first send. */
  readonly dialEagerly: boolean;
  /** Jitter source in [0, 1). */
  readonly random: () => number;
}

export const defaultTransportOptions: TransportOptions = {
  maxQueueMessages: 4096,
  maxQueueBytes: 64 * 2 ** 20,
  maxFrameBytes: 32 * 2 ** 20,
  maxSnapshotBytes: 2 ** 31,
  snapshotChunkBytes: 2 ** 20,
  writeBatchBytes: 4 * 2 ** 20,
  connectTimeoutMs: 2000,
  backoffMinMs: 50,
  backoffMaxMs: 2000,
  keepAliveMs: 5000,
  writeStallTimeoutMs: 15_000,
  clusterId: undefined,
  dialEagerly: true,
  random: Math.random,
};
