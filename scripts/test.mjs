// Runs the test suites on the compiled output. Usage: node scripts/test.mjs [unit|sim|cluster]...
// Node 20's --test takes explicit files, so we list them here.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

function find(dir, pred) {
  const out = [];
  let names;
  try { names = readdirSync(dir); } catch { return out; }
  for (const name of names) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...find(p, pred));
    else if (pred(p)) out.push(p);
  }
  return out.sort();
}

const suites = {
  unit: () => find('dist/src', (p) => p.endsWith('.test.js')),
  sim: () => find('dist/test/sim', (p) => p.endsWith('.test.js')),
  cluster: () => find('dist/test/cluster', (p) => p.endsWith('.test.js')),
};
const wanted = process.argv.slice(2).length ? process.argv.slice(2) : Object.keys(suites);
for (const name of wanted) {
  const files = suites[name]?.();
  if (!files) { console.error(`unknown suite ${name}`); process.exit(2); }
  if (files.length === 0) { console.log(`# ${name}: no tests`); continue; }
  console.log(`# ${name}: ${files.length} files`);
  const concurrency = name === 'cluster' ? '1' : '2';
  const r = spawnSync(process.execPath, ['--test', `--test-concurrency=${concurrency}`, ...files], { stdio: 'inherit' });
  if (r.status !== 0) { console.error(`# ${name}: FAILED`); process.exit(r.status ?? 1); }
}
