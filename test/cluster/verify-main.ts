// `npm run verify -- --seconds 60 --seed S`: a longer linearizability run under faults on a
// five-node cluster this script starts (in network namespaces when run as root), or, with
// `--endpoints http://a,http://b`, a fault-free run against a cluster that is already up.
// Exit code: 0 linearizable, 1 a violation, 2 inconclusive or bad usage.
import { parseArgs } from 'node:util';
import { runWorkload, verify } from '../../src/verify/runner.js';
import { seedFromEnv } from '../../src/verify/prng.js';
import { runLinearizabilityUnderFaults } from './exercises/fault-run.js';

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      seconds: { type: 'string', default: '60' },
      seed: { type: 'string' },
      clients: { type: 'string', default: '6' },
      keys: { type: 'string', default: '4' },
      endpoints: { type: 'string' },
      help: { type: 'boolean', default: false },
      // Negative control: stale local reads, which the checker should reject under faults.
      'serializable-reads': { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log('usage: npm run verify -- [--seconds 60] [--seed S] [--clients 6] [--keys 4] [--endpoints http://host:port,...] [--serializable-reads]');
    return 0;
  }
  const seconds = Number(values.seconds);
  const seed = values.seed !== undefined ? Number(values.seed) >>> 0 : seedFromEnv();
  const clients = Number(values.clients);
  const keys = Number(values.keys);
  if (![seconds, clients, keys].every((n) => Number.isFinite(n) && n > 0)) {
    console.error('--seconds, --clients and --keys must be positive numbers');
    return 2;
  }
  console.log(`seed ${seed}`);
  let summary: string;
  let ok: boolean | 'unknown';
  if (values.endpoints) {
    const endpoints = values.endpoints.split(',').map((s) => s.trim()).filter(Boolean);
    const { history, stats } = await runWorkload({ endpoints, seconds, clients, keys, seed, readConsistency: values['serializable-reads'] ? 'serializable' : 'linearizable' });
    console.log(`workload: ${JSON.stringify(stats)}`);
    const report = verify(history);
    summary = report.summary;
    ok = report.result.ok;
  } else {
    let cleanup: (() => Promise<void>) | null = null;
    const onSignal = (): void => void cleanup?.().finally(() => process.exit(130));
    process.once('SIGINT', onSignal);
    try {
      const run = await runLinearizabilityUnderFaults({ seconds, seed, clients, keys, readConsistency: values['serializable-reads'] ? 'serializable' : 'linearizable', log: (l) => console.log(l), onCleanup: (c) => (cleanup = c) });
      console.log(`workload: ${JSON.stringify(run.stats)}`);
      summary = run.report.summary;
      ok = run.report.result.ok;
    } finally {
      await (cleanup as (() => Promise<void>) | null)?.();
    }
  }
  console.log(summary);
  return ok === true ? 0 : ok === false ? 1 : 2;
}

process.exitCode = await main();
