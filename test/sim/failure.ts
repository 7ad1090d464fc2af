// How a simulation run fails. Each kind maps to its own exit code (TigerBeetle's
// cluster.zig Failure), so a script can tell a safety bug from a liveness stall.

export const FailureKind = {
  /** A Raft safety property broke (election safety, log matching, leader completeness, state-machine safety). */
  safety: 'safety',
  /** The core broke the Ready/driver contract (gaps, non-contiguous applies, unsynced acks). */
  contract: 'contract',
  /** The healed cluster did not elect a leader and commit a write in time. */
  liveness: 'liveness',
  /** The client history is not linearizable. */
  linearizability: 'linearizability',
  /** The code under test threw. */
  crash: 'crash',
} as const;
export type FailureKind = (typeof FailureKind)[keyof typeof FailureKind];

export const EXIT_CODES: Readonly<Record<FailureKind, number>> = {
  safety: 10,
  contract: 11,
  liveness: 12,
  linearizability: 13,
  crash: 14,
};

export class SimFailure extends Error {
  override readonly name = 'SimFailure';
  constructor(readonly kind: FailureKind, message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
