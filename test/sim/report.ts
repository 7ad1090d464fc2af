// Human-readable failure reports, shared by run.ts and sim.test.ts.
import { describeOp } from './history.js';
import { describeOptions } from './options.js';
import type { RunResult } from './simulation.js';

type ReplayOverrides = { nodes?: number | undefined; ticks?: number | undefined; stragglers?: boolean | undefined; shortLivedLeaders?: boolean | undefined };

export function replayCommand(seed: number, over: ReplayOverrides = {}): string {
  let cmd = `node dist/test/sim/run.js --seed ${seed}`;
  if (over.nodes !== undefined) cmd += ` --nodes ${over.nodes}`;
  if (over.ticks !== undefined) cmd += ` --ticks ${over.ticks}`;
  if (over.stragglers === true) cmd += ' --stragglers';
  if (over.shortLivedLeaders === true) cmd += ' --short-lived-leaders';
  return cmd;
}

export function formatFailure(r: Extract<RunResult, { ok: false }>, over: ReplayOverrides = {}): string {
  const lines = [
    `FAILED seed ${r.seed}: ${r.kind} at tick ${r.atTick.toFixed(2)}`,
    `  ${r.message.split('\n').join('\n  ')}`,
    `options:\n  ${describeOptions(r.options)}`,
    `last ${r.trace.length} events:`,
    ...r.trace.map((l) => `  ${l}`),
  ];
  if (r.kind === 'crash') lines.push(`stack:\n${r.stack}`);
  if (r.kind === 'linearizability') lines.push('history:', ...r.history.map((op) => `  ${describeOp(op)}`));
  lines.push(`replay: ${replayCommand(r.seed, over)} [--verbose]`);
  return lines.join('\n');
}
