// Typed errors of the KV layer. Decoding errors mean the bytes are not ours (garbage,
// truncation, a newer format version); they are never raised for well-formed input.

/** Entry.data is not a command this version understands. */
export class CommandDecodeError extends Error {
  override readonly name = 'CommandDecodeError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(`invalid KV command: ${message}`, options);
  }
}

/** Snapshot bytes are not a state-machine image this version understands. */
export class SnapshotDecodeError extends Error {
  override readonly name = 'SnapshotDecodeError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(`invalid KV snapshot: ${message}`, options);
  }
}
