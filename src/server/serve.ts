// `raftkv serve`: start one node, serve its HTTP API on one port, stop cleanly on SIGTERM/SIGINT.
import net from 'node:net';
import { pino } from 'pino';
import type { NodeConfig, RunningNode } from '../node/types.js';
import { ConfigError, ensureDataDir, type ServeConfig } from './config.js';
import { createApiServer } from './http-server.js';

/** How long in-flight requests may take to finish after a stop signal before their connections are cut. */
const DRAIN_MS = 10_000;

type StartNode = (config: NodeConfig) => Promise<RunningNode>;

// Loaded at run time so that this package builds while src/node is being written; the
// contract is src/node/types.ts. Replace with a static import once src/node/index.ts exists.
async function loadStartNode(): Promise<StartNode> {
  const specifier: string = '../node/index.js';
  const mod = (await import(specifier)) as { startNode?: StartNode };
  if (typeof mod.startNode !== 'function') throw new Error('src/node/index.ts does not export startNode');
  return mod.startNode;
}

export async function runServe(config: ServeConfig): Promise<void> {
  // Lifecycle lines only (start, stop, failures) at info; LOG_LEVEL=warn silences them, debug adds more.
  const log = pino({ level: process.env['LOG_LEVEL'] ?? 'info', base: { nodeId: config.node.id } });
  await ensureDataDir(config.node.dataDir);
  await assertPortFree(config.listenHost, config.listenPort);

  const node = await (await loadStartNode())(config.node);
  const server = createApiServer(node, { maxValueBytes: config.maxValueBytes, requestTimeoutMs: config.node.requestTimeoutMs, logger: log });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.listenPort, config.listenHost, () => {
      server.off('error', reject);
      resolve();
    });
  });
  log.info(
    { listen: `${config.listenHost}:${config.listenPort}`, members: Object.fromEntries(config.node.members), dataDir: config.node.dataDir, pid: process.pid },
    'raftkv node serving',
  );

  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping: no new connections, finishing in-flight requests');
    const drained = new Promise<void>((resolve) => server.close(() => resolve()));
    const cut = setTimeout(() => server.closeAllConnections(), DRAIN_MS);
    const idle = setInterval(() => server.closeIdleConnections(), 100);
    await drained;
    clearTimeout(cut);
    clearInterval(idle);
    try {
      await node.close();
    } catch (err) {
      log.error({ err }, 'node did not close cleanly');
      process.exit(1);
    }
    log.info('stopped');
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}

function assertPortFree(host: string, port: number): Promise<void> {
  if (port === 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', (err: NodeJS.ErrnoException) => {
      const why =
        err.code === 'EADDRINUSE' ? 'the port is already in use (another raftkv node?)'
        : err.code === 'EADDRNOTAVAIL' ? `${host} is not an address of this machine`
        : err.message;
      reject(new ConfigError(`cannot listen on ${host}:${port}: ${why}`, { cause: err }));
    });
    probe.listen(port, host, () => probe.close(() => resolve()));
  });
}
