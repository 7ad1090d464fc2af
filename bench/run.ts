// `npm run bench`: floor of the machine, then the same workloads against a fresh raftkv cluster
// and (when available) a fresh etcd cluster, one load generator process, one table.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseBenchArgs, USAGE, type BenchOptions } from './args.js';
import { cleanupNow } from './cleanup.js';
import type { BenchCluster } from './cluster.js';
import { EtcdCluster, etcdVersion } from './etcd.js';
import { measureFloor, type FloorResult } from './floor.js';
import { LoadGenerator } from './loadgen-process.js';
import { machineInfo } from './machine.js';
import { RaftkvCluster } from './raftkv-cluster.js';
import { renderMarkdown, renderText, type BenchRun } from './report.js';
import { loadEtcd3 } from './targets/etcd3-client.js';
import { runWorkload, type Cell, type WorkloadSettings } from './workloads.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const started = Date.now();

function log(line: string): void {
  process.stdout.write(`[${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s] ${line}\n`);
}

function etcd3ClientVersion(): string | null {
  try {
    const require = createRequire(path.join(REPO, 'package.json'));
    const pkg = require('etcd3/package.json') as { version?: string };
    return pkg.version ?? null;
  } catch {
    return null;
  }
}

async function decideEtcd(options: BenchOptions, skipped: string[]): Promise<boolean> {
  if (options.etcd === 'off') {
    skipped.push('etcd: not requested (--quick without --etcd, or --no-etcd)');
    return false;
  }
  const binary = etcdVersion();
  const client = await loadEtcd3();
  if (!binary) skipped.push('etcd: no `etcd` binary on the PATH (Debian: apt-get install etcd-server)');
  if (!client) skipped.push('etcd: the `etcd3` npm package is not installed');
  if ((!binary || !client) && options.etcd === 'on') throw new Error(skipped.join('; '));
  return Boolean(binary && client);
}

async function runSystem(
  start: () => Promise<BenchCluster>,
  system: string,
  options: BenchOptions,
  loadgen: LoadGenerator,
  settings: WorkloadSettings,
): Promise<Cell[]> {
  log(`${system}: starting a three-member cluster`);
  let cluster: BenchCluster;
  try {
    cluster = await start();
  } catch (err) {
    const error = err instanceof Error ? err.message : String(err);
    log(`${system}: cluster failed to start: ${error.split('\n')[0]}`);
    return options.workloads.map((workload) => ({ workload, system: system as Cell['system'], error }));
  }
  const cells: Cell[] = [];
  try {
    log(`${system} ${cluster.version}: cluster up (pids ${cluster.pids().join(', ')})`);
    for (const workload of options.workloads) {
      log(`${system}: ${workload} ...`);
      const cell = await runWorkload(workload, { cluster, loadgen, settings, log });
      cells.push(cell);
      log(`${system}: ${workload}: ${summary(cell)}`);
    }
  } finally {
    log(`${system}: stopping the cluster`);
    await cluster.stop();
  }
  return cells;
}

function summary(c: Cell): string {
  if (c.error) return `FAILED: ${c.error.split('\n')[0]}`;
  if (c.workload === 'failover') return `failover ${c.failoverMs?.toFixed(0)} ms, ${c.ackedWrites} acked, ${c.lostWrites} lost`;
  if (c.workload === 'idle') return `cluster CPU ${c.clusterCpuPct?.toFixed(1)}% of a core with no requests`;
  if (c.workload === 'memory') return `${c.memoryKeys} keys, RSS ${c.rssMbPerNode?.join('/')} MiB, ${c.rssBytesPerKey?.toFixed(0)} bytes/key`;
  if (c.workload === 'catch-up') return `caught up ${c.catchUpEntries} entries in ${c.catchUpMs?.toFixed(0)} ms`;
  return `${c.opsPerSec?.toFixed(0)} ops/s, p50 ${c.p50Ms?.toFixed(3)} ms, p99 ${c.p99Ms?.toFixed(2)} ms, failed ${c.failed}, cluster CPU ${c.clusterCpuPct?.toFixed(0)}%, loadgen CPU ${c.loadgenCpuPct?.toFixed(0)}%${c.leaderChanged ? ', LEADER CHANGED' : ''}`;
}

async function main(): Promise<number> {
  const parsed = parseBenchArgs(process.argv.slice(2));
  if (parsed === 'help') {
    console.log(USAGE);
    return 0;
  }
  const options = parsed;
  const skipped: string[] = [];
  const machine = machineInfo();
  log(`machine: ${machine.cpuModel}, ${machine.cores} cores, ${machine.memoryGiB} GiB, ${machine.kernel}, Node ${machine.node}, load ${machine.loadAverage.join(' ')}`);
  const withEtcd = await decideEtcd(options, skipped);

  let floor: FloorResult | null = null;
  if (options.floorMs > 0) {
    log(`floor: fdatasync, loopback TCP, trivial HTTP (${options.floorMs} ms each)`);
    floor = await measureFloor(options.dataRoot, options.floorMs);
    log(`floor: fdatasync p50 ${floor.fdatasync4k.latency.p50Ms.toFixed(3)} ms, TCP RTT p50 ${floor.tcpLoopbackRtt.latency.p50Ms.toFixed(3)} ms, HTTP p50 ${floor.httpTrivial.latency.p50Ms.toFixed(3)} ms`);
  }

  const settings: WorkloadSettings = {
    warmupMs: options.warmupMs,
    measureMs: options.measureMs,
    keyCount: 1000,
    valueBytes: 100,
    endpoints: options.endpoints,
    catchUpLoadMs: options.catchUpLoadMs,
    requestTimeoutMs: 5000,
    memoryKeys: options.memoryKeys,
  };
  const profileDir = options.profile ? path.join(REPO, '.bench', 'profiles', new Date().toISOString().replace(/[:.]/g, '-')) : undefined;
  if (profileDir) fs.mkdirSync(profileDir, { recursive: true });

  const loadgen = await LoadGenerator.start();
  const cells: Cell[] = [];
  try {
    cells.push(...(await runSystem(() => RaftkvCluster.start({ dataRoot: options.dataRoot, ...(profileDir ? { cpuProfileDir: profileDir } : {}) }), 'raftkv', options, loadgen, settings)));
    if (withEtcd) cells.push(...(await runSystem(() => EtcdCluster.start(options.dataRoot), 'etcd', options, loadgen, settings)));
  } finally {
    await loadgen.close();
  }
  if (profileDir) log(`CPU profiles of the raftkv nodes (written on clean exit; killed nodes write none): ${profileDir}`);

  const run: BenchRun = {
    date: new Date().toISOString(),
    command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
    machine,
    versions: { raftkv: cells.length ? readRaftkvVersion() : 'unknown', etcd: withEtcd ? (etcdVersion() ?? null) : null, etcd3Client: withEtcd ? etcd3ClientVersion() : null },
    settings: { ...settings, dataRoot: options.dataRoot, quick: options.quick, workloads: options.workloads, floorMs: options.floorMs },
    floor,
    cells,
    skipped,
  };
  console.log(`\n${renderText(run)}\n`);

  const json = JSON.stringify(run, null, 2) + '\n';
  if (options.writeResults) {
    fs.mkdirSync(path.join(REPO, 'bench', 'results'), { recursive: true });
    fs.writeFileSync(path.join(REPO, 'bench', 'results', 'latest.json'), json);
    fs.writeFileSync(path.join(REPO, 'BENCHMARKS.md'), renderMarkdown(run));
    log('wrote BENCHMARKS.md and bench/results/latest.json');
  } else {
    const scratch = path.join(REPO, '.bench');
    fs.mkdirSync(scratch, { recursive: true });
    fs.writeFileSync(path.join(scratch, 'last-run.json'), json);
    fs.writeFileSync(path.join(scratch, 'last-run.md'), renderMarkdown(run));
    log('wrote .bench/last-run.json and .bench/last-run.md (a full run writes BENCHMARKS.md)');
  }
  const failed = cells.filter((c) => c.error);
  return failed.length ? 1 : 0;
}

function readRaftkvVersion(): string {
  try {
    return (JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

main().then(
  (code) => {
    cleanupNow();
    process.exit(code);
  },
  (err: unknown) => {
    console.error(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    cleanupNow();
    process.exit(2);
  },
);
