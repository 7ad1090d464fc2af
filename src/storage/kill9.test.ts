// kill -9 a process that appends with fsync; every index it acknowledged must be on disk.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { DataDirLockedError } from './errors.js';
import { openLogStore } from './file-log-store.js';

const child = fileURLToPath(new URL('./testdata/append-loop.js', import.meta.url));

test('every index acknowledged before kill -9 survives, and the stale lock is taken over', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'raftkv-kill9-'));
  const proc = spawn(process.execPath, [child, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.after(async () => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  });
  let acked = 0;
  let out = '';
  let ready = false;
  proc.stdout.setEncoding('utf8');
  proc.stdout.on('data', (chunk: string) => {
    out += chunk;
    const lines = out.split('\n');
    out = lines.pop() ?? '';
    for (const line of lines) {
      if (line === 'ready') ready = true;
      else acked = Math.max(acked, Number(line));
    }
  });
  const exited = new Promise((resolve) => proc.once('exit', resolve));
  for (let waited = 0; !ready && waited < 30_000 && proc.exitCode === null; waited += 20) await sleep(20);
  assert.ok(ready, 'child did not start');

  // While it runs, the directory is locked against us.
  await assert.rejects(openLogStore(dir), (err: unknown) => err instanceof DataDirLockedError && err.pid === proc.pid);

  await sleep(1000);
  proc.kill('SIGKILL');
  await exited;
  assert.ok(acked > 0, 'child acknowledged nothing');
  t.diagnostic(`child acknowledged up to index ${acked}`);

  const { store, restored } = await openLogStore(dir); // LOCK names a dead pid: taken over
  const last = restored.entries.at(-1)?.index ?? 0;
  assert.ok(last >= acked, `acknowledged ${acked}, recovered only up to ${last}`);
  restored.entries.forEach((e, i) => assert.equal(e.index, i + 1));
  assert.equal(Buffer.from(restored.entries[acked - 1]!.data).toString(), `value-${acked}`);
  await store.close();
});

test('a second open of the same directory fails; after close it opens', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'raftkv-lock-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const first = await openLogStore(dir, { fsync: false });
  const err = await openLogStore(dir, { fsync: false }).catch((e: unknown) => e);
  assert.ok(err instanceof DataDirLockedError);
  assert.equal(err.pid, process.pid);
  assert.match(err.message, new RegExp(`${dir}.*${process.pid}`));
  await first.store.close();
  const second = await openLogStore(dir, { fsync: false });
  await second.store.close();
});

test('a LOCK naming a dead or garbled pid is stale and taken over', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'raftkv-lock-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  // A pid above the kernel's maximum is never alive.
  for (const content of ['99999999\n', '12', '']) {
    await writeFile(join(dir, 'LOCK'), content);
    const o = await openLogStore(dir, { fsync: false });
    await o.store.close();
  }
});
