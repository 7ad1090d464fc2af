// The benchmark is not part of the tests (timing on a shared machine is noise), but it must run:
// `npm run bench -- --quick` starts a cluster, drives every quick workload and exits 0.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(fileURLToPath(new URL('../../../', import.meta.url)));

test('npm run bench -- --quick runs to the end', { timeout: 180_000 }, () => {
  const script = join(ROOT, 'dist/bench/run.js');
  assert.ok(existsSync(script), 'the benchmark is built');
  const r = spawnSync(process.execPath, [script, '--quick', '--no-etcd'], { cwd: ROOT, encoding: 'utf8', timeout: 170_000 });
  assert.equal(r.status, 0, `exit ${r.status} ${r.signal ?? ''}\n${r.stdout.slice(-3000)}\n${r.stderr.slice(-3000)}`);
  assert.match(r.stdout, /ops\/s|writes\/s/);
});
