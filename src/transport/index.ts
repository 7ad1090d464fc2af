// What the node and the HTTP server need from the transport.
export { PeerTransport } from './peer-transport.js';
export type { PeerLinkStats, PeerTransportConfig } from './peer-transport.js';
export type { SnapshotStatus } from './peer-sender.js';
export type { TransportOptions } from './options.js';
export { defaultTransportOptions } from './options.js';
export type { Logger } from './logger.js';
export { PEER_PATH, PEER_PROTOCOL } from './handshake.js';
export { DecodeError, decodeMessage, encodeMessage } from './codec.js';
