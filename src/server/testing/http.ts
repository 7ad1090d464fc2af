// Helpers for HTTP-layer tests: a server on an ephemeral port, and raw-socket requests for
// the malformed inputs that a well-behaved client library would refuse to send.
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import type { RunningNode } from '../../node/types.js';
import { createApiServer, type ApiServer, type ApiServerOptions } from '../http-server.js';

export interface TestServer {
  readonly server: ApiServer;
  readonly port: number;
  /** host:port, the form NotLeaderError carries. */
  readonly address: string;
  readonly url: string;
  close(): Promise<void>;
}

export async function startTestServer(node: RunningNode, opts: ApiServerOptions = {}): Promise<TestServer> {
  const server = createApiServer(node, opts);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    server,
    port,
    address: `127.0.0.1:${port}`,
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export interface RawResponse {
  readonly status: number;
  readonly headers: Map<string, string>;
  readonly body: string;
}

/** Sends `head` (and optionally `body`) verbatim and reads until the server closes or answers. */
export function rawRequest(port: number, head: string, body = '', opts: { endAfterMs?: number } = {}): Promise<RawResponse | null> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let received = '';
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => {
      received += d;
      const parsed = parseResponse(received);
      if (parsed) {
        socket.destroy();
        resolve(parsed);
      }
    });
    socket.on('error', reject);
    socket.on('close', () => resolve(parseResponse(received)));
    socket.write(head + body);
    if (opts.endAfterMs !== undefined) setTimeout(() => socket.destroy(), opts.endAfterMs);
  });
}

function parseResponse(text: string): RawResponse | null {
  const end = text.indexOf('\r\n\r\n');
  if (end === -1) return null;
  const [statusLine, ...lines] = text.slice(0, end).split('\r\n');
  const headers = new Map<string, string>();
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  const length = Number(headers.get('content-length') ?? 0);
  const body = text.slice(end + 4);
  if (Buffer.byteLength(body, 'latin1') < length) return null;
  return { status: Number(statusLine!.split(' ')[1]), headers, body: Buffer.from(body, 'latin1').toString('utf8') };
}
