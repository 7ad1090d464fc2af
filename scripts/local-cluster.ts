// `npm start`: a three-node raftkv cluster on this machine (127.0.0.1:3001-3003, data under
// ./data), with each node's output prefixed by its id. Ctrl-C stops all three; data is kept.
// This supervisor also owns the dashboard's kill / restart / pause buttons: it serves them on
// 127.0.0.1 with a random token and tells only its own children where (RAFTKV_DASHBOARD_CONTROL).
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { CONTROL_ENV, CONTROL_TOKEN_ENV, serveControl, type ControlAction, type ProcessState } from '../src/server/dashboard-control.js';

const NODES = [
  { id: 'node1', port: 3001 },
  { id: 'node2', port: 3002 },
  { id: 'node3', port: 3003 },
] as const;
const HOST = '127.0.0.1';
const HEALTH_DEADLINE_MS = 30_000;
/** Longer than a node's own drain (request timeout + 1 s) plus closing its log. */
const KILL_AFTER_MS = 8_000;

const cli = fileURLToPath(new URL('../src/client/cli.js', import.meta.url));
const peers = NODES.map((n) => `${n.id}=${HOST}:${n.port}`).join(',');
const colors = ['\x1b[36m', '\x1b[35m', '\x1b[33m'];
const tty = process.stdout.isTTY;
const children = new Map<string, ChildProcess>();
let stopping = false;
/** Nodes stopped on purpose from the dashboard: their exit does not stop the cluster. */
const stoppedOnPurpose = new Set<string>();
/** Nodes paused (SIGSTOP) from the dashboard, with the SIGCONT that ends the pause by itself. */
const paused = new Map<string, { timer: NodeJS.Timeout; resumesAt: number }>();
const PAUSE_MS = 15_000;
const controlToken = randomBytes(16).toString('hex');
let controlEnv: Record<string, string> = {};

function prefixLines(id: string, color: string, stream: NodeJS.ReadableStream, out: NodeJS.WriteStream): void {
  let partial = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) out.write(`${tty ? color : ''}${id.padEnd(6)}|${tty ? '\x1b[0m' : ''} ${line}\n`);
  });
}

function portBusy(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once('error', () => resolve(true));
    probe.listen(port, HOST, () => probe.close(() => resolve(false)));
  });
}

async function healthy(port: number): Promise<boolean> {
  try {
    const res = await fetch(`http://${HOST}:${port}/health`, { signal: AbortSignal.timeout(1_000) });
    return res.status === 200;
  } catch {
    return false;
  }
}

function stopAll(signal: string): void {
  if (stopping) return;
  stopping = true;
  console.log(`\n${signal}: stopping the cluster (data is kept in ./data)`);
  if (children.size === 0) process.exit(0);
  for (const id of [...paused.keys()]) resume(id);
  for (const child of children.values()) child.kill('SIGTERM');
  const force = setTimeout(() => {
    for (const [id, child] of children) {
      console.log(`${id} did not stop within ${KILL_AFTER_MS / 1000} s; killing it`);
      child.kill('SIGKILL');
    }
  }, KILL_AFTER_MS);
  force.unref();
}

async function main(): Promise<void> {
  const busy = [];
  for (const n of NODES) if (await portBusy(n.port)) busy.push(n.port);
  if (busy.length) {
    console.error(`port${busy.length > 1 ? 's' : ''} ${busy.join(', ')} on ${HOST} ${busy.length > 1 ? 'are' : 'is'} already in use (is a cluster already running?). Stop whatever holds ${busy.length > 1 ? 'them' : 'it'} and retry.`);
    process.exit(1);
  }
  process.on('SIGINT', () => stopAll('SIGINT'));
  process.on('SIGTERM', () => stopAll('SIGTERM'));

  const control = await serveControl({ processes, act }, controlToken);
  controlEnv = { [CONTROL_ENV]: control.url, [CONTROL_TOKEN_ENV]: controlToken };
  NODES.forEach((n) => startNode(n.id));

  const deadline = Date.now() + HEALTH_DEADLINE_MS;
  while (!stopping) {
    const states = await Promise.all(NODES.map((n) => healthy(n.port)));
    if (states.every(Boolean)) break;
    if (Date.now() > deadline) {
      console.error(`the cluster did not become healthy within ${HEALTH_DEADLINE_MS / 1000} s (see the node output above)`);
      stopAll('timeout');
      return;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  if (stopping) return;
  const base = `http://${HOST}:${NODES[0].port}`;
  console.log(`
raftkv is running: three nodes, each serving the whole API.
  endpoints: ${NODES.map((n) => `http://${HOST}:${n.port}`).join('  ')}
  dashboard: ${base}/

try:
  curl -s -X POST ${base}/kv -d '{"key":"greeting","value":"hello"}'
  curl -s ${base}/kv/greeting
  curl -s http://${HOST}:${NODES[1].port}/kv/greeting
  curl -s ${base}/debug
  node dist/src/client/cli.js status

The dashboard's kill / restart / pause buttons act on these three processes (only here).
Ctrl-C stops all three nodes; the data in ./data is kept for the next start.
`);
}

function startNode(id: string): ChildProcess {
  const i = NODES.findIndex((n) => n.id === id);
  const n = NODES[i]!;
  const args = [cli, 'serve', '--id', n.id, '--listen', `${HOST}:${n.port}`, '--peers', peers, '--data-dir', `./data/${n.id}`];
  // detached: a Ctrl-C in the terminal reaches only us, and we stop the nodes in order.
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true, env: { ...process.env, ...controlEnv } });
  children.set(n.id, child);
  stoppedOnPurpose.delete(n.id);
  prefixLines(n.id, colors[i]!, child.stdout!, process.stdout);
  prefixLines(n.id, colors[i]!, child.stderr!, process.stderr);
  child.on('exit', (code, signal) => {
    children.delete(n.id);
    const pause = paused.get(n.id);
    if (pause) clearTimeout(pause.timer);
    paused.delete(n.id);
    console.log(`${n.id} exited (${signal ?? `code ${code}`})`);
    if (!stopping && !stoppedOnPurpose.has(n.id)) stopAll(`${n.id} stopped unexpectedly`);
    if (stopping && children.size === 0) process.exit(code === 0 || stoppedOnPurpose.has(n.id) ? 0 : 1);
  });
  return child;
}

function processes(): Record<string, ProcessState> {
  const out: Record<string, ProcessState> = {};
  for (const n of NODES) {
    const child = children.get(n.id);
    const pause = paused.get(n.id);
    out[n.id] = !child ? { state: 'stopped', pid: null }
      : pause ? { state: 'paused', pid: child.pid ?? null, resumesInMs: Math.max(0, pause.resumesAt - Date.now()) }
      : { state: 'running', pid: child.pid ?? null };
  }
  return out;
}

function resume(id: string): void {
  const pause = paused.get(id);
  if (!pause) return;
  clearTimeout(pause.timer);
  paused.delete(id);
  children.get(id)?.kill('SIGCONT');
}

function stopChild(id: string, child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  stoppedOnPurpose.add(id);
  const exited = new Promise<void>((res) => child.once('exit', () => res()));
  resume(id);
  child.kill(signal);
  const force = setTimeout(() => child.kill('SIGKILL'), KILL_AFTER_MS);
  return exited.finally(() => clearTimeout(force));
}

/** What the dashboard's buttons do; the answer is shown on the page. */
async function act(action: ControlAction, id: string): Promise<string> {
  if (stopping) throw new Error('the cluster is stopping');
  if (!NODES.some((n) => n.id === id)) throw new Error(`no node ${id} in this cluster`);
  const child = children.get(id);
  switch (action) {
    case 'kill':
      if (!child) throw new Error(`${id} is not running`);
      await stopChild(id, child, 'SIGKILL');
      return `${id} killed (SIGKILL); restart brings it back with its data`;
    case 'restart':
      if (child) await stopChild(id, child, 'SIGTERM');
      return `${id} started again (pid ${startNode(id).pid})`;
    case 'pause': {
      if (!child) throw new Error(`${id} is not running`);
      if (paused.has(id)) throw new Error(`${id} is already paused`);
      child.kill('SIGSTOP');
      paused.set(id, { timer: setTimeout(() => resume(id), PAUSE_MS), resumesAt: Date.now() + PAUSE_MS });
      return `${id} paused (SIGSTOP) for ${PAUSE_MS / 1000} s: it answers nobody until then, as if cut off`;
    }
    case 'resume':
      if (!paused.has(id)) throw new Error(`${id} is not paused`);
      resume(id);
      return `${id} resumed (SIGCONT)`;
  }
}

await main();
