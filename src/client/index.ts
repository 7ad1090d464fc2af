// The package entry: `import { RaftKvClient } from 'raftkv'`.
export { RaftKvClient } from './client.js';
export type {
  Consistency, DeleteResult, EndpointStatus, KeyValue, ListOptions, ListResult, NodeDebug, RaftKvClientOptions, ReadOptions, WriteOptions,
} from './client.js';
export {
  InvalidRequestError, KeyNotFoundError, PreconditionFailedError, RaftKvError, TimeoutError, TooLargeError, UnavailableError,
} from './errors.js';
export type { CurrentValue } from './errors.js';
