// `npm run bench:ab -- --baseline <git ref> [--workload W]... [--pairs N] [--duration S] [--warmup S]`
//
// Is the working tree faster than <ref>? On this machine one run of each cannot say: the same
// build gives 6,000 or 10,000 writes/s ten minutes apart (other tenants of the host). So this
// builds <ref> in a temporary git worktree, runs the bench on it and on the working tree
// alternately (the order flips every pair, so a drift in time favours neither), and reports per
// workload and metric the medians and in how many pairs the working tree did better, with the
// one-sided sign-test p-value (5 of 5 pairs: p = 0.03; 4 of 5: p = 0.19, which proves nothing).
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const REPO = fileURLToPath(new URL('../../', import.meta.url));

interface CellJson {
  readonly system: string;
  readonly workload: string;
  readonly opsPerSec?: number;
  readonly p50Ms?: number;
  readonly p99Ms?: number;
  readonly error?: string;
}

type Metric = 'opsPerSec' | 'p50Ms' | 'p99Ms';
/** Higher is better for throughput, lower for latency. */
const METRICS: ReadonlyArray<{ readonly key: Metric; readonly label: string; readonly higherIsBetter: boolean }> = [
  { key: 'opsPerSec', label: 'ops/s', higherIsBetter: true },
  { key: 'p50Ms', label: 'p50 ms', higherIsBetter: false },
  { key: 'p99Ms', label: 'p99 ms', higherIsBetter: false },
];

function usage(message?: string): never {
  if (message) console.error(message);
  console.error('usage: npm run bench:ab -- --baseline <git ref> [--workload W]... [--pairs N] [--duration S] [--warmup S]');
  process.exit(2);
}

const { values } = parseArgs({
  options: {
    baseline: { type: 'string' },
    workload: { type: 'string', multiple: true },
    pairs: { type: 'string', default: '5' },
    duration: { type: 'string', default: '4' },
    warmup: { type: 'string', default: '2' },
    help: { type: 'boolean', default: false },
  },
  strict: true,
});
if (values.help) usage();
if (!values.baseline) usage('--baseline is required');
const pairs = Number(values.pairs);
if (!Number.isInteger(pairs) || pairs < 1) usage('--pairs takes a positive integer');
const workloads = values.workload?.length ? values.workload : ['write-256'];

/** Build `ref` in a temporary worktree that shares this checkout's node_modules. */
function buildBaseline(ref: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'raftkv-ab-'));
  execFileSync('git', ['worktree', 'add', '--detach', dir, ref], { cwd: REPO, stdio: 'ignore' });
  fs.symlinkSync(path.join(REPO, 'node_modules'), path.join(dir, 'node_modules'));
  execFileSync(process.execPath, [path.join(REPO, 'node_modules/typescript/bin/tsc'), '-p', path.join(dir, 'tsconfig.json')], { stdio: 'inherit' });
  return dir;
}

function removeBaseline(dir: string): void {
  spawnSync('git', ['worktree', 'remove', '--force', dir], { cwd: REPO, stdio: 'ignore' });
  fs.rmSync(dir, { recursive: true, force: true });
}

/** One bench run of the tree at `root`; the raftkv cells of its .bench/last-run.json. */
function runBench(root: string): Map<string, CellJson> {
  const args = [path.join(root, 'dist/bench/run.js'), '--no-etcd', '--no-write', '--warmup', String(values.warmup), '--duration', String(values.duration)];
  // Older trees may predate --no-floor: pass it only where the bench knows it.
  if (fs.readFileSync(path.join(root, 'dist/bench/args.js'), 'utf8').includes("'no-floor'")) args.push('--no-floor');
  for (const w of workloads) args.push('--workload', w);
  const r = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (r.status !== 0) throw new Error(`bench in ${root} exited ${r.status}:\n${r.stdout}`);
  const run = JSON.parse(fs.readFileSync(path.join(root, '.bench/last-run.json'), 'utf8')) as { cells: CellJson[] };
  return new Map(run.cells.filter((c) => c.system === 'raftkv' && !c.error).map((c) => [c.workload, c]));
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** P(at least k of n pairs better) when neither build is better. */
function signTestP(k: number, n: number): number {
  let p = 0;
  let c = 1; // C(n, i), built up from C(n, 0)
  for (let i = 0; i <= n; i++) {
    if (i >= k) p += c;
    c = (c * (n - i)) / (i + 1);
  }
  return p / 2 ** n;
}

const baseline = buildBaseline(values.baseline);
const results: Array<{ base: Map<string, CellJson>; head: Map<string, CellJson> }> = [];
const stop = (): void => {
  removeBaseline(baseline);
  process.exit(130);
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
try {
  for (let i = 0; i < pairs; i++) {
    const baseFirst = i % 2 === 0;
    const first = runBench(baseFirst ? baseline : REPO);
    const second = runBench(baseFirst ? REPO : baseline);
    const pair = baseFirst ? { base: first, head: second } : { base: second, head: first };
    results.push(pair);
    const line = workloads
      .map((w) => `${w}: ${values.baseline} ${pair.base.get(w)?.opsPerSec?.toFixed(0) ?? '-'} ops/s, working tree ${pair.head.get(w)?.opsPerSec?.toFixed(0) ?? '-'} ops/s`)
      .join('; ');
    console.log(`pair ${i + 1}/${pairs}: ${line}`);
  }
} finally {
  removeBaseline(baseline);
}

console.log(`\nbaseline ${values.baseline} vs working tree, ${pairs} pairs of ${values.warmup} s warm-up + ${values.duration} s:`);
for (const w of workloads) {
  for (const m of METRICS) {
    const rows = results.flatMap((r) => {
      const a = r.base.get(w)?.[m.key];
      const b = r.head.get(w)?.[m.key];
      return a === undefined || b === undefined ? [] : [{ a, b }];
    });
    if (rows.length === 0) continue;
    const wins = rows.filter(({ a, b }) => (m.higherIsBetter ? b > a : b < a)).length;
    const a = median(rows.map((r) => r.a));
    const b = median(rows.map((r) => r.b));
    console.log(
      `  ${w.padEnd(22)} ${m.label.padEnd(7)} median ${a.toFixed(m.key === 'opsPerSec' ? 0 : 2).padStart(8)} -> ${b.toFixed(m.key === 'opsPerSec' ? 0 : 2).padStart(8)}` +
        `  (${(((b - a) / a) * 100).toFixed(1)}%), working tree better in ${wins} of ${rows.length} pairs, sign test p = ${signTestP(wins, rows.length).toFixed(3)}`,
    );
  }
}
