// Real-socket fixtures for the transport tests: HTTP servers on 127.0.0.1:0 whose
// 'upgrade' event feeds a PeerTransport, the way the node's API server will.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Message, NodeId } from '../raft/types.js';
import { nodeId } from '../raft/types.js';
import { PeerTransport } from './peer-transport.js';
import type { PeerTransportConfig } from './peer-transport.js';
import type { TransportOptions } from './options.js';

export interface TestNode {
  readonly id: NodeId;
  readonly server: http.Server;
  readonly port: number;
  readonly received: Message[];
  readonly unreachable: NodeId[];
  transport: PeerTransport | null;
}

export async function listen(server: http.Server, port = 0): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => { server.off('error', reject); resolve(); });
  });
  return (server.address() as AddressInfo).port;
}

export function apiServer(): http.Server {
  return http.createServer((_req, res) => { res.statusCode = 404; res.end('{"error":"not found","code":"KEY_NOT_FOUND"}'); });
}

/** Starts `ids.length` servers, then one transport per server that knows all the others. */
export async function startCluster(
  ids: string[],
  options: Partial<TransportOptions> = {},
  extra: Partial<PeerTransportConfig> = {},
): Promise<TestNode[]> {
  const nodes: TestNode[] = [];
  for (const id of ids) {
    const server = apiServer();
    const port = await listen(server);
    nodes.push({ id: nodeId(id), server, port, received: [], unreachable: [], transport: null });
  }
  for (const n of nodes) {
    const peers = new Map(nodes.filter((p) => p !== n).map((p) => [p.id, `127.0.0.1:${p.port}`] as const));
    attach(n, peers, options, extra);
  }
  return nodes;
}

export function attach(
  n: TestNode,
  peers: ReadonlyMap<NodeId, string>,
  options: Partial<TransportOptions> = {},
  extra: Partial<PeerTransportConfig> = {},
): PeerTransport {
  const t = new PeerTransport({
    selfId: n.id,
    peers,
    onMessage: (m) => n.received.push(m),
    onUnreachable: (id) => n.unreachable.push(id),
    ...extra,
    options: { backoffMinMs: 20, backoffMaxMs: 200, ...options },
  });
  n.transport = t;
  n.server.removeAllListeners('upgrade');
  n.server.on('upgrade', (req, socket, head) => t.handleUpgrade(req, socket, head));
  return t;
}

export async function stopAll(nodes: TestNode[]): Promise<void> {
  await Promise.all(nodes.map((n) => n.transport?.close()));
  await Promise.all(nodes.map((n) => closeServer(n.server)));
}

export async function closeServer(server: http.Server): Promise<void> {
  if (!server.listening) return;
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

export async function waitFor(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!cond()) {
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Handles that would keep the process alive (sockets, servers, timers). */
export function liveHandles(): string[] {
  return process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap' || r === 'TCPServerWrap' || r === 'Timeout' || r === 'Immediate');
}
