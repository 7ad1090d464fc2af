// `raftkv serve`: start one node, serve its HTTP API on one port, stop cleanly on SIGTERM/SIGINT.
import net from 'node:net';
import { pino } from 'pino';
import { startNode } from '../node/index.js';
import { ConfigError, ensureDataDir, type ServeConfig } from './config.js';
import { createApiServer } from './http-server.js';


export async function runServe(config: ServeConfig): Promise<void> {
  // This logger writes lifecycle lines only (start, stop, failures), so 'info' stays quiet: one line
  // per start, two per stop, nothing per request. LOG_LEVEL=warn silences them. The node's own
  // logger (src/node/logger.ts) defaults to 'warn'. Both write JSON lines to stderr.
  const log = pino({ level: process.env['LOG_LEVEL'] ?? 'info', base: { node: config.node.id } }, pino.destination(2));
  await ensureDataDir(config.node.dataDir);
  await assertPortFree(config.listenHost, config.listenPort);

  const node = await startNode(config.node);
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
    // Stop accepting; answer what is in flight (the node still commits it); then close the node,
    // which ends the peer streams that server.close() would otherwise wait for.
    server.close();
    // In-flight requests end within their own timeout; a little more and their connections are cut.
    const deadline = Date.now() + config.node.requestTimeoutMs + 1_000;
    while (server.inFlightRequests() > 0 && Date.now() < deadline) {
      server.closeIdleConnections();
      await new Promise((r) => setTimeout(r, 20));
    }
    server.closeAllConnections();
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
