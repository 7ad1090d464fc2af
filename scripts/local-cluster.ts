// `npm start`: a three-node raftkv cluster on this machine (127.0.0.1:3001-3003, data under
// ./data), with each node's output prefixed by its id. Ctrl-C stops all three; data is kept.
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';

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

  NODES.forEach((n, i) => {
    const args = [cli, 'serve', '--id', n.id, '--listen', `${HOST}:${n.port}`, '--peers', peers, '--data-dir', `./data/${n.id}`];
    // detached: a Ctrl-C in the terminal reaches only us, and we stop the nodes in order.
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    children.set(n.id, child);
    prefixLines(n.id, colors[i]!, child.stdout!, process.stdout);
    prefixLines(n.id, colors[i]!, child.stderr!, process.stderr);
    child.on('exit', (code, signal) => {
      children.delete(n.id);
      console.log(`${n.id} exited (${signal ?? `code ${code}`})`);
      if (!stopping) stopAll(`${n.id} stopped unexpectedly`);
      if (children.size === 0) process.exit(stopping && code === 0 ? 0 : 1);
    });
  });

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

Ctrl-C stops all three nodes; the data in ./data is kept for the next start.
`);
}

await main();
