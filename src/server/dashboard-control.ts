// Kill / restart / pause buttons, off unless a supervisor that owns the node processes says where
// it listens: RAFTKV_DASHBOARD_CONTROL=http://127.0.0.1:PORT (with RAFTKV_DASHBOARD_CONTROL_TOKEN).
// `npm start` (scripts/local-cluster.ts) sets both for its children; nothing else does. A node
// only relays the browser's request to that supervisor: it never signals processes itself.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export const CONTROL_ENV = 'RAFTKV_DASHBOARD_CONTROL';
export const CONTROL_TOKEN_ENV = 'RAFTKV_DASHBOARD_CONTROL_TOKEN';
const TOKEN_HEADER = 'x-raftkv-control-token';

export const CONTROL_ACTIONS = ['kill', 'restart', 'pause', 'resume'] as const;
export type ControlAction = (typeof CONTROL_ACTIONS)[number];

export interface ProcessState {
  readonly state: 'running' | 'paused' | 'stopped';
  readonly pid: number | null;
  /** While paused: when the supervisor sends SIGCONT by itself. */
  readonly resumesInMs?: number;
}

export interface ControlAnswer {
  readonly status: number;
  readonly body: { ok: boolean; message: string };
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** The node's side: relays to the supervisor. */
export class ControlLink {
  private constructor(private readonly base: string, private readonly token: string) {}

  /** Null (no buttons) unless the environment names a supervisor on this machine. */
  static fromEnv(env: Readonly<Record<string, string | undefined>>): ControlLink | null {
    const raw = env[CONTROL_ENV];
    if (!raw) return null;
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      return null;
    }
    if (url.protocol !== 'http:' || !LOOPBACK.has(url.hostname)) return null;
    return new ControlLink(url.origin, env[CONTROL_TOKEN_ENV] ?? '');
  }

  async processes(timeoutMs: number): Promise<Record<string, ProcessState> | null> {
    try {
      const res = await fetch(`${this.base}/processes`, { headers: { [TOKEN_HEADER]: this.token }, signal: AbortSignal.timeout(timeoutMs) });
      if (res.status !== 200) return null;
      return (await res.json()) as Record<string, ProcessState>;
    } catch {
      return null;
    }
  }

  async act(action: ControlAction, node: string): Promise<ControlAnswer> {
    try {
      const res = await fetch(`${this.base}/control`, {
        method: 'POST',
        headers: { [TOKEN_HEADER]: this.token, 'content-type': 'application/json' },
        body: JSON.stringify({ action, node }),
        signal: AbortSignal.timeout(15_000),
      });
      return { status: res.status, body: (await res.json()) as ControlAnswer['body'] };
    } catch (err) {
      return { status: 502, body: { ok: false, message: `the cluster supervisor did not answer: ${(err as Error).message}` } };
    }
  }
}

/** What a supervisor must be able to do to its node processes. */
export interface Supervisor {
  processes(): Record<string, ProcessState>;
  /** Resolves with a sentence for the page; rejects with a reason the page shows. */
  act(action: ControlAction, node: string): Promise<string>;
}

/** The supervisor's side: a tiny HTTP endpoint on 127.0.0.1 with a shared token. */
export async function serveControl(supervisor: Supervisor, token: string): Promise<{ url: string; close(): void }> {
  const server = http.createServer((req, res) => {
    const reply = (status: number, body: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    if (req.headers[TOKEN_HEADER] !== token) return reply(403, { ok: false, message: 'wrong control token' });
    if (req.method === 'GET' && req.url === '/processes') return reply(200, supervisor.processes());
    if (req.method !== 'POST' || req.url !== '/control') return reply(404, { ok: false, message: 'no such control route' });
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body = (body + chunk).slice(0, 4096)));
    req.on('end', () => {
      let action: unknown;
      let node: unknown;
      try {
        ({ action, node } = JSON.parse(body) as { action?: unknown; node?: unknown });
      } catch {
        return reply(400, { ok: false, message: 'body must be JSON {action, node}' });
      }
      if (!CONTROL_ACTIONS.includes(action as ControlAction) || typeof node !== 'string') {
        return reply(400, { ok: false, message: `action must be one of ${CONTROL_ACTIONS.join(', ')}, node a member id` });
      }
      supervisor.act(action as ControlAction, node).then(
        (message) => reply(200, { ok: true, message }),
        (err: unknown) => reply(409, { ok: false, message: err instanceof Error ? err.message : String(err) }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => server.close() };
}
