// Command-line flags of `npm run bench -- ...`.
import os from 'node:os';
import { parseArgs } from 'node:util';
import { OPT_IN_WORKLOADS, WORKLOADS, type WorkloadName } from './workloads.js';

export interface BenchOptions {
  readonly quick: boolean;
  readonly etcd: 'auto' | 'on' | 'off';
  readonly workloads: readonly WorkloadName[];
  readonly warmupMs: number;
  readonly measureMs: number;
  readonly floorMs: number;
  readonly catchUpLoadMs: number;
  readonly profile: boolean;
  readonly dataRoot: string;
  readonly endpoints: 'leader' | 'all';
  readonly writeResults: boolean;
  readonly memoryKeys: number;
}

export const USAGE = `usage: node dist/bench/run.js [options]
  --quick              short phases (0.3 s warm-up, 2 s measured), fewer workloads, no etcd unless --etcd
  --workload NAME      run only this workload (repeatable): ${[...WORKLOADS, ...OPT_IN_WORKLOADS].join(', ')}
                       (memory runs only when named: it writes --memory-keys distinct keys)
  --memory-keys N      distinct keys for the memory workload (default 1000000)
  --duration S         measured seconds per workload (default 10, quick 2)
  --warmup S           warm-up seconds per workload (default 1, quick 0.3)
  --etcd / --no-etcd   force etcd on or off (default: on when the etcd binary and the etcd3 package exist)
  --profile            start raftkv nodes with node --cpu-prof (profiles in .bench/profiles/)
  --data-root DIR      where temp data dirs go (default: the OS temp dir); the fdatasync floor is measured there
  --endpoints MODE     leader (default): clients talk to the leader; all: to every member
  --no-floor           skip the floor measurements (A/B runs: bench/ab.ts)
  --write / --no-write write BENCHMARKS.md and bench/results/latest.json (default: only for a full run)
  --help`;

const QUICK_WORKLOADS: readonly WorkloadName[] = ['idle', 'write-1', 'write-64', 'read-linearizable-64', 'failover', 'catch-up'];

export function parseBenchArgs(argv: readonly string[]): BenchOptions | 'help' {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      quick: { type: 'boolean', default: false },
      etcd: { type: 'boolean' },
      'no-etcd': { type: 'boolean' },
      workload: { type: 'string', multiple: true },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      profile: { type: 'boolean', default: false },
      'data-root': { type: 'string' },
      endpoints: { type: 'string', default: 'leader' },
      write: { type: 'boolean' },
      'no-write': { type: 'boolean' },
      'memory-keys': { type: 'string' },
      'no-floor': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) return 'help';
  const quick = values.quick ?? false;
  const workloads = (values.workload ?? []).flatMap((w) => w.split(','));
  for (const w of workloads) {
    if (![...WORKLOADS, ...OPT_IN_WORKLOADS].includes(w as WorkloadName)) throw new Error(`unknown workload ${w}; known: ${[...WORKLOADS, ...OPT_IN_WORKLOADS].join(', ')}`);
  }
  const endpoints = values.endpoints;
  if (endpoints !== 'leader' && endpoints !== 'all') throw new Error('--endpoints must be leader or all');
  const measureMs = seconds(values.duration, quick ? 2 : 10, '--duration');
  const selected = workloads.length ? (workloads as WorkloadName[]) : quick ? QUICK_WORKLOADS : WORKLOADS;
  const full = !quick && workloads.length === 0 && values.duration === undefined && values.warmup === undefined && !values.profile && !values['no-floor'];
  return {
    quick,
    etcd: values['no-etcd'] ? 'off' : values.etcd ? 'on' : quick ? 'off' : 'auto',
    workloads: selected,
    warmupMs: seconds(values.warmup, quick ? 0.3 : 1, '--warmup'),
    measureMs,
    floorMs: values['no-floor'] ? 0 : quick ? 300 : 2000,
    catchUpLoadMs: quick ? 1000 : 3000,
    profile: values.profile ?? false,
    dataRoot: values['data-root'] ?? os.tmpdir(),
    endpoints,
    writeResults: values['no-write'] ? false : (values.write ?? full),
    memoryKeys: Math.max(1, Math.floor(Number(values['memory-keys'] ?? 1_000_000))),
  };
}

function seconds(text: string | undefined, fallback: number, flag: string): number {
  if (text === undefined) return fallback * 1000;
  const n = Number(text);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${flag} takes seconds, got ${text}`);
  return n * 1000;
}
