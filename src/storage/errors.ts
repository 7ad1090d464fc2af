// Storage failures, grouped by who is at fault: the disk (I/O), the data on it (corruption),
// or another process (lock). All are fatal for the node: it must stop, never retry.

/** Data on disk is damaged or inconsistent in a way a crash cannot explain. Refuse to start. */
export class StorageCorruptionError extends Error {
  override readonly name = 'StorageCorruptionError';
  constructor(
    readonly file: string,
    readonly offset: number,
    detail: string,
  ) {
    super(`storage corrupt: ${file} at byte ${offset}: ${detail}`);
  }
}

/** A read, write or sync failed (EIO, ENOSPC, ...). Nothing in the failed call is durable. */
export class StorageIOError extends Error {
  override readonly name = 'StorageIOError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** Another live process holds the data directory. */
export class DataDirLockedError extends Error {
  override readonly name = 'DataDirLockedError';
  constructor(
    readonly dir: string,
    readonly pid: number,
  ) {
    super(`data directory ${dir} is locked by running process ${pid}`);
  }
}

/** The store was closed, or stopped accepting writes after an earlier I/O error. */
export class StorageClosedError extends Error {
  override readonly name = 'StorageClosedError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
