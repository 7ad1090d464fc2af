// Does the simulator earn trust? Each mutant injects one realistic bug into a throw-away copy
// of the compiled core (src/ and dist/ are never touched), then replays the fixed npm-test sim
// suite (test/sim/suite.ts, same seeds, same order) against it and stops at the first failing
// seed. Same approach as src/raft/testing/mutants.mjs, but judged by the whole-cluster simulator
// instead of the unit tests.
//
// Usage (after `npx tsc -p tsconfig.json`):
//   node test/sim/mutants/run-mutants.mjs [--only 1,5,9] [--limit N] [--baseline]
// --only      run just these mutants (by number)
// --limit N   give up on a mutant after N suite seeds (default: the whole suite, 2,000)
// --baseline  first replay the suite on the unmutated copy (must survive all seeds)
// --probe     instead of each bug, inject a probe that throws where the bug would first make
//             the core act differently: tells a bug the suite never exercises from one it
//             exercises but does not notice
// --stragglers the same seeds with straggling messages forced on in every group (the suite itself has them in its 3- and 5-node groups)
// Mutants run one after another (one child process each, one core busy). Prints a Markdown
// table: bug, first failing seed, seeds needed (position in the suite), failure class, the
// simulator's one-line reason. Exit code 1 if a mutant survived or a pattern went stale.
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';

/**
 * number, bug, patches: [file under dist/src/raft, find (must occur exactly once), replace].
 * The finds are compiled JS (tsc output of src/raft), so they follow the source text.
 */
export const MUTANTS = [
  {
    n: 1,
    bug: 'votes from an older term counted (a lower-term MsgVoteResp is not dropped)',
    patches: [['raft.js', 'else if (m.term < this.term) {', 'else if (m.term < this.term && m.type !== MessageType.MsgVoteResp) {']],
    probe: [['raft.js', 'else if (m.term < this.term) {', "else if (m.term < this.term) { if (m.type === MessageType.MsgVoteResp && !m.reject && this.role === Role.Candidate) throw new Error('MUTANT PROBE: a stale vote grant reached a candidate');"]],
  },
  {
    n: 2,
    bug: 'previous-term entry committed by counting replicas (no current-term check in maybeCommit)',
    patches: [['raft.js', 'if (this.log.term(ci) !== this.term)', 'if (false)']],
    probe: [['raft.js', 'if (this.log.term(ci) !== this.term)', "if (this.log.term(ci) !== this.term && (() => { throw new Error('MUTANT PROBE: an earlier-term entry would commit by counting'); })())"]],
  },
  {
    n: 3,
    bug: 'vote granted without the up-to-date check (isUpToDate always true)',
    patches: [['log.js', 'return lastTerm > myTerm || (lastTerm === myTerm && lastIndex >= this.lastIndex());', 'return true;']],
  },
  {
    n: 4,
    bug: 'follower commits beyond the entries it verified (commitTo(leaderCommit) capped only by lastIndex)',
    patches: [['log.js', 'this.commitTo(Math.min(leaderCommit, lastNew));', 'this.commitTo(Math.min(leaderCommit, this.lastIndex()));']],
    probe: [['log.js', 'this.commitTo(Math.min(leaderCommit, lastNew));', "if (Math.min(leaderCommit, this.lastIndex()) > Math.max(this.committed, Math.min(leaderCommit, lastNew))) throw new Error('MUTANT PROBE: a follower would commit unverified entries'); this.commitTo(Math.min(leaderCommit, lastNew));"]],
  },
  {
    n: 5,
    bug: 'vote reply sent before the vote is durable (MsgVoteResp in SEND_BEFORE_PERSIST)',
    patches: [['raft.js', 'const SEND_BEFORE_PERSIST = new Set([', 'const SEND_BEFORE_PERSIST = new Set([MessageType.MsgVoteResp, ']],
  },
  {
    n: 6,
    bug: 'ReadIndex served without the heartbeat quorum (reads released at once)',
    patches: [
      ['raft.js', 'if (this.voters.length === 1 && this.voters[0] === this.id) {', 'if (true) {'],
      ['raft.js', 'this.readOnly.recvAck(round, this.id, this.voters)', 'this.readOnly.recvAck(round, this.id, [this.id])'],
    ],
  },
  {
    n: 7,
    bug: 'follower acknowledges entries before they are durable (MsgAppResp in SEND_BEFORE_PERSIST)',
    patches: [['raft.js', 'const SEND_BEFORE_PERSIST = new Set([', 'const SEND_BEFORE_PERSIST = new Set([MessageType.MsgAppResp, ']],
  },
  {
    n: 8,
    bug: 'leader counts itself before its own write is durable (self match = lastIndex at propose)',
    patches: [['raft.js', 'const e = this.appendEntry(data);', 'const e = this.appendEntry(data); this.progress.get(this.id).maybeUpdate(e.index);']],
  },
  {
    n: 9,
    bug: 'no no-op entry at the start of a term',
    patches: [['raft.js', 'this.appendEntry(new Uint8Array(0));', '']],
  },
  {
    n: 10,
    bug: 'committed entries truncated on conflict (assertion and the below-commit check dropped)',
    patches: [
      ['log.js', 'assert(conflict > this.committed, () => `entry ${conflict} conflicts with committed ${this.committed}`);', ''],
      ['raft.js', 'if (m.index < this.log.committed) {', 'if (false) {'],
    ],
    // The assertion itself needs no probe: had it fired, the unmutated suite would fail.
    probe: [['raft.js', 'if (m.index < this.log.committed) {', "if (m.index < this.log.committed && (() => { throw new Error('MUTANT PROBE: a MsgApp below the commit index reached a follower'); })()) {"]],
  },
];

function parseArgs(argv) {
  const args = { only: null, limit: Infinity, baseline: false, probe: false, stragglers: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--only') args.only = new Set(String(argv[++i]).split(',').map(Number));
    else if (a === '--limit') args.limit = Number(argv[++i]);
    else if (a === '--baseline') args.baseline = true;
    else if (a === '--probe') args.probe = true;
    else if (a === '--stragglers') args.stragglers = true;
    else {
      console.error(`unknown argument ${a}\nusage: node test/sim/mutants/run-mutants.mjs [--only 1,5,9] [--limit N] [--baseline] [--probe] [--stragglers]`);
      process.exit(2);
    }
  }
  return args;
}

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../../..');
const args = parseArgs(process.argv.slice(2));
for (const f of ['dist/src/raft/raft.js', 'dist/test/sim/simulation.js', 'dist/test/sim/suite.js']) {
  if (!existsSync(join(root, f))) {
    console.error(`${f} missing: build first (npx tsc -p tsconfig.json)`);
    process.exit(2);
  }
}

/** Runs the suite in `work` until the first failure; returns hunt.mjs's JSON verdict. */
function hunt(work) {
  const hunter = join(work, 'dist/test/sim/mutants/hunt.mjs');
  const extra = [...(Number.isFinite(args.limit) ? ['--limit', String(args.limit)] : []), ...(args.stragglers ? ['--stragglers'] : [])];
  const r = spawnSync(process.execPath, [hunter, ...extra], { cwd: work, encoding: 'utf8', timeout: 20 * 60_000, maxBuffer: 64 << 20 });
  const line = r.stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line);
  } catch {
    return { ok: false, kind: 'runner', reason: `hunt exited ${r.status ?? r.signal}: ${(r.stderr || r.stdout).trim().split('\n').slice(-3).join(' | ')}`, seed: '-', position: '-' };
  }
}

const work = mkdtempSync(join(tmpdir(), 'sim-mutants-'));
const rows = [];
let bad = 0;
try {
  // The simulator and the core it drives, as npm test would load them, plus the hunter.
  for (const d of ['dist/src/raft', 'dist/src/verify', 'dist/test/sim']) {
    mkdirSync(join(work, d), { recursive: true });
    cpSync(join(root, d), join(work, d), { recursive: true, filter: (p) => !p.endsWith('.map') && !p.endsWith('.d.ts') });
  }
  mkdirSync(join(work, 'dist/test/sim/mutants'), { recursive: true });
  cpSync(join(here, 'hunt.mjs'), join(work, 'dist/test/sim/mutants/hunt.mjs'));
  writeFileSync(join(work, 'package.json'), JSON.stringify({ type: 'module' }));
  const distRaft = join(work, 'dist/src/raft');

  const head = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).stdout.trim();
  const dirty = spawnSync('git', ['status', '--porcelain', '--', 'src/raft'], { cwd: root, encoding: 'utf8' }).stdout.trim();
  console.log(`# sim mutants at ${head}${args.stragglers ? ', suite seeds WITH --stragglers' : ''}${dirty ? ' (src/raft has uncommitted changes: results are for the working tree)' : ''}`);

  if (args.baseline) {
    const v = hunt(work);
    console.log(`baseline (no mutant): ${v.ok ? `all ${v.seeds} seeds pass` : `FAILS at seed ${v.seed} (${v.kind}: ${v.reason})`} in ${v.seconds ?? '?'} s`);
    if (!v.ok) {
      console.log('the unmutated core fails the suite: mutant results would mean nothing');
      process.exitCode = 1;
      throw new Error('baseline failed');
    }
  }

  for (const m of MUTANTS) {
    if (args.only && !args.only.has(m.n)) continue;
    const patches = args.probe ? m.probe : m.patches;
    if (!patches) continue;
    const originals = new Map();
    let stale = null;
    for (const [file, find, replace] of patches) {
      const path = join(distRaft, file);
      if (!originals.has(path)) originals.set(path, readFileSync(path, 'utf8'));
      const text = readFileSync(path, 'utf8');
      const count = text.split(find).length - 1;
      if (count !== 1) {
        stale = `pattern found ${count} times in ${file}: ${find}`;
        break;
      }
      writeFileSync(path, text.replace(find, () => replace));
    }
    let v;
    if (stale) v = { ok: false, kind: 'STALE', reason: stale, seed: '-', position: '-' };
    else v = hunt(work);
    for (const [path, text] of originals) writeFileSync(path, text);

    const caught = !v.ok && v.kind !== 'STALE' && v.kind !== 'runner' && (!args.probe || v.reason.startsWith('MUTANT PROBE'));
    if (!caught) bad++;
    const row = {
      n: m.n,
      bug: m.bug,
      seed: v.ok ? '—' : `${v.seed}${v.nodes ? ` (${v.nodes} nodes)` : ''}`,
      needed: v.ok ? `not caught in ${v.seeds}` : String(v.position),
      kind: v.ok ? (args.probe ? 'never reached' : 'SURVIVED') : v.kind,
      reason: v.ok ? '' : v.reason,
      seconds: v.seconds ?? '',
    };
    rows.push(row);
    const verdict = args.probe ? (caught ? 'REACHED ' : 'UNREACHED') : caught ? 'CAUGHT  ' : 'MISSED  ';
    console.log(`${verdict} #${m.n} ${m.bug}: ${row.kind} at seed ${row.seed} after ${row.needed} seeds (${row.seconds} s)${row.reason ? `\n         ${row.reason}` : ''}`);
  }
} catch (e) {
  if (e.message !== 'baseline failed') throw e;
} finally {
  rmSync(work, { recursive: true, force: true });
}

if (rows.length > 0) {
  const esc = (s) => String(s).replaceAll('|', '\\|');
  if (args.probe) console.log('\nprobe mode: the first seed at which the mutated code would behave differently (not whether the simulator notices)');
  console.log(`\n| # | bug | ${args.probe ? 'first seed reaching it' : 'first failing seed'} | seeds needed | class | simulator says |`);
  console.log('|---|-----|--------------------|--------------|-------|----------------|');
  for (const r of rows) console.log(`| ${r.n} | ${esc(r.bug)} | ${esc(r.seed)} | ${esc(r.needed)} | ${esc(r.kind)} | ${esc(r.reason)} |`);
}
if (bad > 0) process.exitCode = 1;
