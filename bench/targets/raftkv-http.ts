// raftkv over node:http with one keep-alive Agent per endpoint: the cheapest honest HTTP client.
// A worker sticks to its endpoint and moves to the next one only when the connection fails,
// like a client that was given every member's address.
import http from 'node:http';
import { RequestFailedError, type KvTarget, type TargetSpec, type WorkerCursor } from './target.js';

interface Endpoint {
  readonly host: string;
  readonly port: number;
  readonly agent: http.Agent;
}

interface Reply {
  readonly status: number;
  readonly body: string;
}

export class RaftkvHttpTarget implements KvTarget {
  private readonly endpoints: Endpoint[];

  constructor(private readonly spec: TargetSpec, maxSocketsPerEndpoint: number) {
    this.endpoints = spec.endpoints.map((address) => {
      const [host, port] = splitAddress(address);
      return { host, port, agent: new http.Agent({ keepAlive: true, maxSockets: maxSocketsPerEndpoint, scheduling: 'fifo' }) };
    });
  }

  async put(key: string, value: string, cursor: WorkerCursor): Promise<void> {
    const reply = await this.send(cursor, 'PUT', `/kv/${encodeURIComponent(key)}`, JSON.stringify({ value }));
    if (reply.status !== 200) throw httpError(reply);
  }

  async get(key: string, serializable: boolean, cursor: WorkerCursor): Promise<string | null> {
    const path = `/kv/${encodeURIComponent(key)}${serializable ? '?consistency=serializable' : ''}`;
    const reply = await this.send(cursor, 'GET', path, undefined);
    if (reply.status === 404) return null;
    if (reply.status !== 200) throw httpError(reply);
    return (JSON.parse(reply.body) as { value: string }).value;
  }

  async close(): Promise<void> {
    for (const e of this.endpoints) e.agent.destroy();
  }

  private async send(cursor: WorkerCursor, method: string, path: string, body: string | undefined): Promise<Reply> {
    const endpoint = this.endpoints[cursor.endpoint % this.endpoints.length];
    if (!endpoint) throw new Error('no endpoints');
    try {
      return await request(endpoint, method, path, body, this.spec.requestTimeoutMs);
    } catch (err) {
      // The connection failed (refused, reset, timed out): try the next member next time.
      cursor.endpoint = (cursor.endpoint + 1) % this.endpoints.length;
      throw err;
    }
  }
}

function request(endpoint: Endpoint, method: string, path: string, body: string | undefined, timeoutMs: number): Promise<Reply> {
  return new Promise<Reply>((resolve, reject) => {
    const headers: http.OutgoingHttpHeaders = body === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) };
    const req = http.request({ agent: endpoint.agent, host: endpoint.host, port: endpoint.port, method, path, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      res.on('error', reject);
    });
    req.setTimeout(timeoutMs, () => req.destroy(new RequestFailedError('timeout', `no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

function httpError(reply: Reply): RequestFailedError {
  return new RequestFailedError(`http-${reply.status}`, `HTTP ${reply.status}: ${reply.body.slice(0, 200)}`);
}

export function splitAddress(address: string): [string, number] {
  const colon = address.lastIndexOf(':');
  return [address.slice(0, colon), Number(address.slice(colon + 1))];
}
