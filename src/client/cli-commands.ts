// The `raftkv` command line, as a function of (argv, env, output) -> exit code so tests can run it.
// Exit codes: 0 ok, 1 the request failed (stderr names the error code), 2 usage.
import { ConfigError, parseServeConfig } from '../server/config.js';
import { parseArgs, UsageError, type FlagKind } from '../server/flags.js';
import { RaftKvClient, type WriteOptions } from './client.js';
import { RaftKvError } from './errors.js';
import { renderTable, STATUS_HEADERS, statusRows } from './status-table.js';

export const DEFAULT_ENDPOINTS = 'http://127.0.0.1:3001,http://127.0.0.1:3002,http://127.0.0.1:3003';

export const USAGE = `usage: raftkv <command> [flags]

commands:
  serve [--id ID] [--listen HOST:PORT] [--peers ID=HOST:PORT,...] [--data-dir DIR]
        [--tick-ms N] [--election-ticks N] [--heartbeat-ticks N] [--snapshot-entries N]
        [--request-timeout-ms N] [--max-value-bytes N]
                                 run one node (each flag has an environment twin, e.g. NODE_ID, PEERS)
  get <key> [--serializable]     print a key's value
  put <key> <value> [--prev-value V] [--prev-revision N]
                                 write a key (compare-and-set with a --prev-* flag)
  del <key> [--prev-value V] [--prev-revision N]
                                 delete a key
  list [prefix] [--limit N]      list keys by prefix, sorted
  status                         a table of the members and their progress
  verify [--seconds N] [--clients N] [--keys N] [--seed S]
                                 run concurrent clients against the cluster, then check the
                                 recorded history for linearizability (exit 1 on a violation)

client flags:
  --endpoints URL,...   nodes to talk to (default $RAFTKV_ENDPOINTS or ${DEFAULT_ENDPOINTS})
  --json, -w json       print JSON answers
  --timeout-ms N        per attempt (default 5000)
`;

const CLIENT_FLAGS: Record<string, FlagKind> = {
  endpoints: 'string', json: 'boolean', 'write-out': 'string', 'timeout-ms': 'string',
  'prev-value': 'string', 'prev-revision': 'string', limit: 'string', serializable: 'boolean', help: 'boolean',
  seconds: 'string', clients: 'string', keys: 'string', seed: 'string',
};

export interface CliOutput {
  out(text: string): void;
  err(text: string): void;
}

export type ServeRunner = (argv: readonly string[], env: Readonly<Record<string, string | undefined>>) => Promise<void>;

export async function runCli(argv: readonly string[], env: Readonly<Record<string, string | undefined>>, io: CliOutput, serve?: ServeRunner): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    (command === undefined ? io.err : io.out)(USAGE);
    return command === undefined ? 2 : 0;
  }
  if (command === 'serve') {
    try {
      parseServeConfig(rest, env); // fail fast with a usage error before loading the node
      if (!serve) throw new Error('serve is not available here');
      await serve(rest, env);
      return 0;
    } catch (err) {
      io.err(`raftkv serve: ${(err as Error).message}\n`);
      return err instanceof ConfigError ? 2 : 1;
    }
  }
  let client: RaftKvClient | undefined;
  try {
    const { flags, positional } = parseArgs(rest, CLIENT_FLAGS, { w: 'write-out' });
    if (flags.has('help')) {
      io.out(USAGE);
      return 0;
    }
    const writeOut = flags.get('write-out');
    if (writeOut !== undefined && writeOut !== 'json' && writeOut !== 'table' && writeOut !== 'simple') throw new UsageError('-w takes json, table or simple');
    const json = flags.has('json') || writeOut === 'json';
    const endpoints = String(flags.get('endpoints') ?? env['RAFTKV_ENDPOINTS'] ?? DEFAULT_ENDPOINTS).split(',').map((e) => e.trim()).filter(Boolean);
    for (const e of endpoints) if (!URL.canParse(e)) throw new UsageError(`--endpoints: "${e}" is not a URL like http://127.0.0.1:3001`);
    const timeoutMs = flags.has('timeout-ms') ? positiveInteger(flags.get('timeout-ms'), '--timeout-ms') : 5_000;
    const print = (value: unknown, plain: string): void => io.out(json ? JSON.stringify(value) + '\n' : plain);
    const args = (n: number, names: string): string[] => {
      if (positional.length !== n) throw new UsageError(`${command} takes ${names}`);
      return positional;
    };
    client = new RaftKvClient({ endpoints, timeoutMs });

    switch (command) {
      case 'get': {
        const [key] = args(1, '<key>');
        const kv = await client.get(key!, flags.has('serializable') ? { consistency: 'serializable' } : {});
        print(kv, kv.value + '\n');
        return 0;
      }
      case 'put': {
        const [key, value] = args(2, '<key> <value>');
        const kv = await client.put(key!, value!, writeOptions(flags));
        print(kv, `OK (revision ${kv.revision})\n`);
        return 0;
      }
      case 'del': {
        const [key] = args(1, '<key>');
        const result = await client.delete(key!, writeOptions(flags));
        print(result, `${result.deleted ? 'deleted' : 'absent'} (revision ${result.revision})\n`);
        return 0;
      }
      case 'list': {
        if (positional.length > 1) throw new UsageError('list takes [prefix]');
        const limit = flags.has('limit') ? positiveInteger(flags.get('limit'), '--limit') : undefined;
        const listed = await client.list({ prefix: positional[0] ?? '', ...(limit === undefined ? {} : { limit }) });
        print(listed, listed.items.map((kv) => `${kv.key}\t${kv.value}\n`).join('') + (listed.more ? '... (more; raise --limit)\n' : ''));
        return 0;
      }
      case 'status': {
        args(0, 'no arguments');
        const statuses = await client.status();
        const failed = statuses.some((s) => s.error);
        if (json) io.out(JSON.stringify(statuses.map((s) => ({ endpoint: s.endpoint, ...(s.status ? { status: s.status } : { error: { code: s.error?.code, message: s.error?.message } }) }))) + '\n');
        else io.out(renderTable(STATUS_HEADERS, statusRows(statuses)));
        return failed ? 1 : 0;
      }
      case 'verify': {
        args(0, 'no arguments');
        const seconds = flags.has('seconds') ? positiveInteger(flags.get('seconds'), '--seconds') : 10;
        const clients = flags.has('clients') ? positiveInteger(flags.get('clients'), '--clients') : 4;
        const keys = flags.has('keys') ? positiveInteger(flags.get('keys'), '--keys') : 3;
        const seed = flags.has('seed') ? positiveInteger(flags.get('seed'), '--seed') : (Date.now() % 1_000_000_007) >>> 0;
        io.err(`verify: ${clients} clients on ${keys} keys for ${seconds} s against ${endpoints.join(',')} (seed ${seed})\n`);
        const { runWorkload, verify } = await import('../verify/runner.js');
        const { history, stats } = await runWorkload({ endpoints, seconds, clients, keys, seed });
        const report = verify(history);
        print({ ok: report.result.ok, stats, summary: report.summary }, `${report.summary}\n`);
        return report.result.ok === true ? 0 : report.result.ok === false ? 1 : 2;
      }
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`raftkv: ${err.message}\n\n${USAGE}`);
      return 2;
    }
    if (err instanceof RaftKvError) {
      io.err(`raftkv ${command}: ${err.code}: ${err.message}\n`);
      return 1;
    }
    throw err;
  } finally {
    client?.close();
  }
}

function positiveInteger(raw: string | true | undefined, name: string): number {
  const n = Number(raw);
  if (typeof raw !== 'string' || !/^[0-9]+$/.test(raw) || n < 1) throw new UsageError(`${name} must be a positive integer`);
  return n;
}

function writeOptions(flags: Map<string, string | true>): WriteOptions {
  const prevValue = flags.get('prev-value');
  const prevRevision = flags.get('prev-revision');
  const opts: { prevValue?: string; prevRevision?: number } = {};
  if (typeof prevValue === 'string') opts.prevValue = prevValue;
  if (prevRevision !== undefined) {
    if (typeof prevRevision !== 'string' || !/^[0-9]+$/.test(prevRevision)) throw new UsageError('--prev-revision must be a non-negative integer');
    opts.prevRevision = Number(prevRevision);
  }
  return opts;
}
