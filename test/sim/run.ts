// The simulator's command line:
//   node dist/test/sim/run.js --seed S [--count N] [--nodes 3|5|7] [--ticks T] [--verbose]
// Runs N seeds from S; stops at the first failure with its trace and an exit code per
// failure class (see failure.ts).
import { EXIT_CODES } from './failure.js';
import { formatFailure } from './report.js';
import { runSeed } from './simulation.js';

interface Args {
  seed: number;
  count: number;
  nodes?: number;
  ticks?: number;
  stragglers: boolean;
  shortLivedLeaders: boolean;
  verbose: boolean;
}

function usage(msg: string): never {
  console.error(`${msg}\nusage: node dist/test/sim/run.js --seed S [--count N] [--nodes 3|5|7] [--ticks T] [--stragglers] [--short-lived-leaders] [--verbose]`);
  process.exit(2);
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = { seed: Date.now() % 1_000_000_007, count: 1, stragglers: false, shortLivedLeaders: false, verbose: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const num = (): number => {
      const v = Number(argv[++i]);
      if (!Number.isSafeInteger(v) || v < 0) usage(`${a} needs a non-negative integer`);
      return v;
    };
    switch (a) {
      case '--seed': args.seed = num(); break;
      case '--count': args.count = num(); break;
      case '--nodes': {
        const n = num();
        if (n !== 3 && n !== 5 && n !== 7) usage('--nodes must be 3, 5 or 7');
        args.nodes = n;
        break;
      }
      case '--ticks': args.ticks = num(); break;
      case '--verbose': args.verbose = true; break;
      case '--stragglers': args.stragglers = true; break;
      case '--short-lived-leaders': args.shortLivedLeaders = true; break;
      default: usage(`unknown argument ${a}`);
    }
  }
  return args;
}

const args = parseArgs(process.argv.slice(2));
console.log(`seed ${args.seed}${args.count > 1 ? ` (+${args.count - 1} more)` : ''}`);
const started = process.hrtime.bigint();
let done = 0;
for (let k = 0; k < args.count; k++) {
  const seed = args.seed + k;
  const settings: Parameters<typeof runSeed>[1] = { verbose: args.verbose };
  if (args.nodes !== undefined) settings.nodes = args.nodes;
  if (args.ticks !== undefined) settings.ticks = args.ticks;
  if (args.stragglers) settings.stragglers = true;
  if (args.shortLivedLeaders) settings.shortLivedLeaders = true;
  const r = runSeed(seed, settings);
  done++;
  if (!r.ok) {
    console.log(formatFailure(r, { nodes: args.nodes, ticks: args.ticks, stragglers: args.stragglers, shortLivedLeaders: args.shortLivedLeaders }));
    process.exit(EXIT_CODES[r.kind]);
  }
  if (args.verbose || args.count === 1) {
    const s = r.stats;
    console.log(`seed ${seed} ok: ${r.options.nodes} nodes, ${s.ticks} ticks (liveness ${s.livenessTicks}), ${s.events} events, ${s.messages} msgs, ` +
      `${s.crashes} crashes, ${s.partitions} partitions, ${s.elections} elections, ${s.compactions} compactions, ${s.snapshotsInstalled} snapshots installed, committed ${s.committed}, ops ${s.opsOk}/${s.ops} ok; linearizability: ${r.linearizability}`);
  }
}
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
console.log(`${done} seeds ok in ${seconds.toFixed(1)} s: ${((done / seconds) * 60).toFixed(0)} seeds/minute`);
