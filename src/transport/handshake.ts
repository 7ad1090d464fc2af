// The HTTP/1.1 Upgrade handshake that turns a request on the API port into a peer stream.
//   GET /raft/peer HTTP/1.1
//   Connection: Upgrade
//   Upgrade: raftkv-peer/1
//   X-Raft-From: <sender id>      X-Raft-To: <receiver id>      [X-Raft-Cluster: <cluster id>]
// answered with `101 Switching Protocols`, or an HTTP error and a closed socket.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { NodeId } from '../raft/types.js';

export const PEER_PATH = '/raft/peer';
export const PEER_PROTOCOL = 'raftkv-peer/1';
export const HEADER_FROM = 'x-raft-from';
export const HEADER_TO = 'x-raft-to';
export const HEADER_CLUSTER = 'x-raft-cluster';

export const SWITCHING_PROTOCOLS_RESPONSE =
  `HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: ${PEER_PROTOCOL}\r\n\r\n`;

export type UpgradeCheck =
  | { readonly ok: true; readonly from: NodeId }
  | { readonly ok: false; readonly status: 400 | 403 | 404; readonly reason: string };

export interface UpgradeExpectations {
  readonly selfId: NodeId;
  readonly clusterId: string | undefined;
  readonly isKnownPeer: (id: NodeId) => boolean;
}

function single(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return typeof v === 'string' ? v : undefined;
}

/** Decides whether an Upgrade request is a peer stream addressed to this node. */
export function checkUpgradeRequest(req: IncomingMessage, expect: UpgradeExpectations): UpgradeCheck {
  const path = (req.url ?? '').split('?')[0];
  if (path !== PEER_PATH) return { ok: false, status: 404, reason: `no upgrade endpoint at ${path ?? ''}` };
  if (req.method !== 'GET') return { ok: false, status: 400, reason: `peer upgrade must be GET, got ${req.method ?? ''}` };
  const upgrade = single(req, 'upgrade')?.trim().toLowerCase();
  if (upgrade !== PEER_PROTOCOL) return { ok: false, status: 400, reason: `unsupported Upgrade protocol ${upgrade ?? '(none)'}` };
  const from = single(req, HEADER_FROM);
  const to = single(req, HEADER_TO);
  if (!from) return { ok: false, status: 400, reason: 'missing X-Raft-From' };
  if (!to) return { ok: false, status: 400, reason: 'missing X-Raft-To' };
  if (to !== expect.selfId) return { ok: false, status: 404, reason: `this is node ${expect.selfId}, not ${to}` };
  const cluster = single(req, HEADER_CLUSTER);
  if (expect.clusterId !== undefined && cluster !== undefined && cluster !== expect.clusterId) {
    return { ok: false, status: 400, reason: `cluster ${cluster} is not this node's cluster ${expect.clusterId}` };
  }
  if (from === expect.selfId) return { ok: false, status: 400, reason: 'a node cannot peer with itself' };
  if (!expect.isKnownPeer(from as NodeId)) return { ok: false, status: 403, reason: `unknown peer ${from}` };
  return { ok: true, from: from as NodeId };
}

const STATUS_TEXT = { 400: 'Bad Request', 403: 'Forbidden', 404: 'Not Found', 503: 'Service Unavailable' } as const;
const STATUS_CODE = { 400: 'INVALID_REQUEST', 403: 'INVALID_REQUEST', 404: 'INVALID_REQUEST', 503: 'UNAVAILABLE' } as const;

/** Answers a refused upgrade with a JSON error (API.md shape) and closes the socket. */
export function rejectUpgrade(socket: Duplex, status: keyof typeof STATUS_TEXT, reason: string): void {
  const body = JSON.stringify({ error: reason, code: STATUS_CODE[status] });
  socket.on('error', () => { /* the client may already be gone; nothing to do */ });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_TEXT[status]}\r\nConnection: close\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

/** Splits "host:port" or "[v6]:port". */
export function parseAddress(address: string): { host: string; port: number } {
  const i = address.lastIndexOf(':');
  const port = Number(address.slice(i + 1));
  let host = address.slice(0, i);
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  if (i <= 0 || !Number.isInteger(port) || port <= 0 || port > 65535) throw new RangeError(`bad peer address ${address}`);
  return { host, port };
}
