// Real processes on this machine: each node is `raftkv serve` in its own child process with its
// own data directory. Everything a test starts is stopped by PID and removed in cleanup(),
// which tests register with t.after / after so it runs on failure too.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePorts } from '../../bench/cluster.js';

export { freePorts };

const ROOT = resolve(fileURLToPath(new URL('../../../', import.meta.url)));
export const CLI = join(ROOT, 'dist/src/client/cli.js');

export interface NodeSpec {
  readonly id: string;
  readonly host: string;
  readonly port: number;
  readonly dataDir: string;
}

export interface ClusterOptions {
  readonly size: number;
  /** Extra `serve` flags for every node. */
  readonly args?: readonly string[];
  /** Run each node inside `ip netns exec <ns>`; host is then the namespace's address. */
  readonly netns?: ReadonlyArray<{ readonly ns: string; readonly host: string }>;
  readonly env?: Readonly<Record<string, string>>;
  /** Timings: fast by default so tests are quick but not flaky on a loaded 2-core machine. */
  readonly tickMs?: number;
}

export class ClusterNode {
  proc: ChildProcess | null = null;
  output = '';
  constructor(readonly spec: NodeSpec, private readonly argv: string[], private readonly netns: string | null, private readonly env: Record<string, string>) {}

  get url(): string {
    return `http://${this.spec.host}:${this.spec.port}`;
  }
  get pid(): number | undefined {
    return this.proc?.pid;
  }
  get running(): boolean {
    return this.proc !== null && this.proc.exitCode === null && this.proc.signalCode === null;
  }

  start(): void {
    if (this.running) throw new Error(`${this.spec.id} already running`);
    const [cmd, args] = this.netns
      ? ['ip', ['netns', 'exec', this.netns, process.execPath, CLI, ...this.argv]]
      : [process.execPath, [CLI, ...this.argv]];
    const proc = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LOG_LEVEL: 'warn', ...this.env } });
    proc.stdout!.on('data', (d: Buffer) => (this.output += d.toString()));
    proc.stderr!.on('data', (d: Buffer) => (this.output += d.toString()));
    this.proc = proc;
  }

  /** Send a signal and wait for the process to exit. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 15_000): Promise<void> {
    const proc = this.proc;
    if (!proc || !this.running) return;
    const exited = new Promise<void>((res) => proc.once('exit', () => res()));
    proc.kill(signal);
    const t = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
    await exited;
    clearTimeout(t);
  }

  kill(): Promise<void> {
    return this.stop('SIGKILL');
  }
  pause(): void {
    this.proc?.kill('SIGSTOP');
  }
  resume(): void {
    this.proc?.kill('SIGCONT');
  }
}

export class Cluster {
  readonly nodes: ClusterNode[];
  readonly root: string;

  constructor(readonly options: ClusterOptions, ports: number[]) {
    this.root = mkdtempSync(join(tmpdir(), 'raftkv-cluster-'));
    const specs: NodeSpec[] = [];
    for (let i = 0; i < options.size; i++) {
      const host = options.netns?.[i]?.host ?? '127.0.0.1';
      specs.push({ id: `node${i + 1}`, host, port: ports[i]!, dataDir: join(this.root, `node${i + 1}`) });
    }
    const peers = specs.map((s) => `${s.id}=${s.host}:${s.port}`).join(',');
    const tickMs = options.tickMs ?? 20;
    this.nodes = specs.map((s, i) => {
      const argv = [
        'serve',
        '--id', s.id,
        '--listen', `${s.host}:${s.port}`,
        '--peers', peers,
        '--data-dir', s.dataDir,
        '--tick-ms', String(tickMs),
        ...(options.args ?? []),
      ];
      return new ClusterNode(s, argv, options.netns?.[i]?.ns ?? null, { ...(options.env ?? {}) });
    });
  }

  static async create(options: ClusterOptions): Promise<Cluster> {
    const ports = options.netns ? options.netns.map(() => 3000) : await freePorts(options.size);
    return new Cluster(options, ports);
  }

  node(id: string): ClusterNode {
    const n = this.nodes.find((x) => x.spec.id === id);
    if (!n) throw new Error(`no node ${id}`);
    return n;
  }

  startAll(): void {
    for (const n of this.nodes) n.start();
  }

  /** Kill every process by PID and remove the data directories. Safe to call twice. */
  async cleanup(): Promise<void> {
    for (const n of this.nodes) {
      if (n.running) n.resume();
    }
    await Promise.all(this.nodes.map((n) => n.kill()));
    rmSync(this.root, { recursive: true, force: true });
  }

  /** Wait until one running node is leader and every running node agrees on it. */
  async waitForLeader(timeoutMs = 15_000, among: ClusterNode[] = this.nodes.filter((n) => n.running)): Promise<ClusterNode> {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    while (Date.now() < deadline) {
      const views = await Promise.all(among.map((n) => debug(n).catch(() => null)));
      const leaders = new Set(views.map((v) => v?.leaderId ?? null));
      const leaderId = [...leaders][0];
      if (leaders.size === 1 && leaderId) {
        const leader = among.find((n) => n.spec.id === leaderId);
        const lv = views[among.indexOf(leader!)];
        if (leader && lv?.state === 'leader') return leader;
      }
      last = JSON.stringify(views.map((v) => v && { id: v.nodeId, state: v.state, term: v.term, leader: v.leaderId }));
      await sleep(50);
    }
    throw new Error(`no agreed leader within ${timeoutMs} ms: ${last}\n${this.logs()}`);
  }

  logs(): string {
    return this.nodes.map((n) => `--- ${n.spec.id} (pid ${n.pid})\n${n.output.slice(-3000)}`).join('\n');
  }
}

export interface Debug {
  nodeId: string;
  state: string;
  term: number;
  leaderId: string | null;
  commitIndex: number;
  lastApplied: number;
  logLength: number;
}

export async function debug(n: ClusterNode): Promise<Debug> {
  const r = await request(n, 'GET', '/debug', undefined, 1000);
  if (r.status !== 200) throw new Error(`/debug ${r.status}`);
  return r.json as Debug;
}

export interface Reply {
  status: number;
  json: any;
  headers: Headers;
}

export async function request(n: ClusterNode | string, method: string, path: string, body?: unknown, timeoutMs = 5000, headers: Record<string, string> = {}): Promise<Reply> {
  const base = typeof n === 'string' ? n : n.url;
  const res = await fetch(base + path, {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await res.text();
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = text;
  }
  return { status: res.status, json, headers: res.headers };
}

/** Retry `fn` until it returns a truthy value or the time runs out. */
export async function eventually<T>(what: string, fn: () => Promise<T | undefined | null | false>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastErr: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      lastErr = e;
    }
    await sleep(50);
  }
  throw new Error(`timed out waiting for ${what}${lastErr ? `: ${String(lastErr)}` : ''}`);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
