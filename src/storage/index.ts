// The storage layer's public surface.
export type { LogStore, LogUpdate, OpenedStore } from './log-store.js';
export type { StorageOptions } from './options.js';
export type { FsSeam, AppendFile } from './fs-seam.js';
export { realFs } from './fs-seam.js';
export { openLogStore } from './file-log-store.js';
export { MemoryLogStore } from './memory-log-store.js';
export { FaultFs, SimulatedCrashError } from './fault-fs.js';
export { StorageCorruptionError, StorageIOError, DataDirLockedError, StorageClosedError } from './errors.js';
