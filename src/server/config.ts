// `raftkv serve` configuration: flags, each with an environment twin (API.md "Running").
// Flags win over the environment. parseServeConfig is pure; ensureDataDir touches the disk.
import { isIP } from 'node:net';
import { mkdir, unlink, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { NodeConfig } from '../node/types.js';
import { nodeId, type NodeId } from '../raft/types.js';
import { parseArgs, UsageError, type FlagKind } from './flags.js';
import { DEFAULT_MAX_VALUE_BYTES } from './http-server.js';

/** The configuration cannot work; the message says which setting and why. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

export interface ServeConfig {
  readonly node: NodeConfig;
  readonly listenHost: string;
  readonly listenPort: number;
  readonly maxValueBytes: number;
}

export const SERVE_DEFAULTS = {
  listenHost: '0.0.0.0',
  listenPort: 3000,
  // 10 ms ticks: heartbeats every 50 ms, elections after 250-500 ms of silence, so a dead
  // leader is replaced well within half a second while a few lost heartbeats are tolerated.
  tickMs: 10,
  electionTicks: 25,
  heartbeatTicks: 5,
  snapshotEntries: 10_000,
  requestTimeoutMs: 5_000,
} as const;

/** Each flag and its environment twin(s), first match wins. */
const SETTINGS = {
  id: ['NODE_ID'],
  listen: ['LISTEN'],
  peers: ['PEERS', 'PEER_IDS'],
  'data-dir': ['DATA_DIR'],
  'tick-ms': ['TICK_MS'],
  'election-ticks': ['ELECTION_TICKS'],
  'heartbeat-ticks': ['HEARTBEAT_TICKS'],
  'snapshot-entries': ['SNAPSHOT_ENTRIES'],
  'request-timeout-ms': ['REQUEST_TIMEOUT_MS'],
  'max-value-bytes': ['MAX_VALUE_BYTES'],
} as const satisfies Record<string, readonly string[]>;
type Setting = keyof typeof SETTINGS;

export const SERVE_FLAGS: Readonly<Record<string, FlagKind>> = Object.fromEntries(Object.keys(SETTINGS).map((k) => [k, 'string' as const]));

const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const WILDCARD_HOSTS = new Set(['0.0.0.0', '::', '[::]', '']);

export function parseServeConfig(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): ServeConfig {
  let flags: Map<string, string | true>;
  try {
    const parsed = parseArgs(argv, SERVE_FLAGS);
    if (parsed.positional.length) throw new UsageError(`unexpected argument ${parsed.positional[0]}`);
    flags = parsed.flags;
  } catch (err) {
    if (err instanceof UsageError) throw new ConfigError(err.message);
    throw err;
  }
  const setting = (name: Setting): { value: string; source: string } | undefined => {
    const flag = flags.get(name);
    if (typeof flag === 'string') return { value: flag, source: `--${name}` };
    for (const envName of SETTINGS[name]) {
      const v = env[envName];
      if (v !== undefined && v !== '') return { value: v, source: envName };
    }
    return undefined;
  };
  const integer = (name: Setting, fallback: number, min: number): number => {
    const s = setting(name);
    if (!s) return fallback;
    const n = Number(s.value);
    if (!/^[0-9]+$/.test(s.value.trim()) || !Number.isSafeInteger(n) || n < min) {
      throw new ConfigError(`${s.source} must be an integer >= ${min}, got "${s.value}"`);
    }
    return n;
  };

  const peersSetting = setting('peers');
  const members = peersSetting ? parsePeers(peersSetting.value, peersSetting.source) : new Map<NodeId, string>();

  const idSetting = setting('id');
  if (idSetting && !ID_PATTERN.test(idSetting.value)) {
    throw new ConfigError(`${idSetting.source} "${idSetting.value}" is not a valid node id (letters, digits, . _ -)`);
  }
  if (!idSetting && members.size > 0) throw new ConfigError('--id (NODE_ID) is required when peers are given');
  const id = nodeId(idSetting?.value ?? 'node1');

  const listen = listenAddress(setting('listen'), env['PORT'], members.get(id));
  if (!members.has(id)) {
    if (listen.port === 0) {
      throw new ConfigError(`${id} is not in the peer list and listens on an ephemeral port; add ${id}=host:port to --peers`);
    }
    // The docker-compose convention: a node listening on every interface is reached by its id.
    const host = WILDCARD_HOSTS.has(listen.host) ? (members.size === 0 ? '127.0.0.1' : id) : listen.host;
    const self = joinHostPort(host, listen.port);
    for (const [other, address] of members) {
      if (address === self) throw new ConfigError(`${id} would be reached at ${self}, which is already ${other}'s address in the peer list`);
    }
    members.set(id, self);
  }

  const electionTicks = integer('election-ticks', SERVE_DEFAULTS.electionTicks, 2);
  const heartbeatTicks = integer('heartbeat-ticks', SERVE_DEFAULTS.heartbeatTicks, 1);
  if (heartbeatTicks >= electionTicks) {
    throw new ConfigError(`heartbeat ticks (${heartbeatTicks}) must be fewer than election ticks (${electionTicks}), or followers would campaign between heartbeats`);
  }
  const dataDir = setting('data-dir')?.value ?? join('data', id);
  return {
    node: {
      id,
      members,
      dataDir: resolve(dataDir),
      tickMs: integer('tick-ms', SERVE_DEFAULTS.tickMs, 1),
      electionTicks,
      heartbeatTicks,
      snapshotEntries: integer('snapshot-entries', SERVE_DEFAULTS.snapshotEntries, 1),
      requestTimeoutMs: integer('request-timeout-ms', SERVE_DEFAULTS.requestTimeoutMs, 1),
    },
    listenHost: listen.host,
    listenPort: listen.port,
    maxValueBytes: integer('max-value-bytes', DEFAULT_MAX_VALUE_BYTES, 1),
  };
}

/** `id=host:port,...`; an entry without `id=` (the PEER_IDS form) is named after its host. */
export function parsePeers(list: string, source: string): Map<NodeId, string> {
  const members = new Map<NodeId, string>();
  const owners = new Map<string, NodeId>();
  for (const raw of list.split(',').map((s) => s.trim()).filter((s) => s !== '')) {
    const eq = raw.indexOf('=');
    const address = eq === -1 ? raw : raw.slice(eq + 1);
    const { host, port } = parseHostPort(address, `${source} entry "${raw}"`, 1);
    const id = nodeId(eq === -1 ? host : raw.slice(0, eq));
    if (!ID_PATTERN.test(id)) throw new ConfigError(`${source} entry "${raw}": "${id}" is not a valid node id`);
    if (members.has(id)) throw new ConfigError(`${source} lists ${id} more than once`);
    const normalized = joinHostPort(host, port);
    const owner = owners.get(normalized);
    if (owner) throw new ConfigError(`${source} gives ${owner} and ${id} the same address ${normalized}`);
    members.set(id, normalized);
    owners.set(normalized, id);
  }
  return members;
}

export function parseHostPort(text: string, what: string, minPort = 0): { host: string; port: number } {
  const m = /^(\[[0-9A-Fa-f:.]+\]|[^\s:[\]/]+):([0-9]+)$/.exec(text.trim());
  const port = m ? Number(m[2]) : NaN;
  if (!m || !Number.isSafeInteger(port) || port < minPort || port > 65535) {
    throw new ConfigError(`${what}: "${text}" is not host:port (port ${minPort}-65535; IPv6 in brackets)`);
  }
  return { host: m[1]!.replace(/^\[(.*)\]$/, '$1'), port };
}

function joinHostPort(host: string, port: number): string {
  return isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
}

function listenAddress(
  listen: { value: string; source: string } | undefined,
  port: string | undefined,
  selfAddress: string | undefined,
): { host: string; port: number } {
  if (listen) return parseHostPort(listen.value, listen.source);
  if (port !== undefined && port !== '') {
    const n = Number(port);
    if (!/^[0-9]+$/.test(port) || n > 65535) throw new ConfigError(`PORT must be a port number, got "${port}"`);
    return { host: SERVE_DEFAULTS.listenHost, port: n };
  }
  if (selfAddress) {
    // Bind the address peers use when it is a local literal; otherwise (a DNS name) every interface.
    const self = parseHostPort(selfAddress, 'own peer address');
    return { host: isIP(self.host) || self.host === 'localhost' ? self.host : SERVE_DEFAULTS.listenHost, port: self.port };
  }
  return { host: SERVE_DEFAULTS.listenHost, port: SERVE_DEFAULTS.listenPort };
}

/** Creates the data directory if needed and proves it writable, before the node touches it. */
export async function ensureDataDir(dir: string): Promise<void> {
  const probe = join(dir, `.write-test-${process.pid}`);
  try {
    await mkdir(dir, { recursive: true });
    await writeFile(probe, 'ok');
    await unlink(probe);
  } catch (err) {
    throw new ConfigError(`data directory ${dir} is not writable: ${(err as Error).message}`, { cause: err });
  }
}
