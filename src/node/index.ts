export { startNode, RaftNode, type StartOptions } from './raft-node.js';
export * from './types.js';
export { createLogger, silentLogger, type Logger } from './logger.js';
