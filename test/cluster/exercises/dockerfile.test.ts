// SLOW (about a minute: two `npm ci` and a full `tsc`): the Dockerfile's build and start
// commands, replayed as a script in a clean copy of the repository (`git archive HEAD`):
// the build stage installs dev dependencies and compiles, the runtime stage installs
// production dependencies only and gets dist/src from the build stage, and its CMD starts a
// node that answers /health with 200; the HEALTHCHECK command passes; SIGTERM stops it.
// Set RAFTKV_SKIP_SLOW=1 to skip.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { eventually, freePorts, request } from '../harness.js';
import { parseDockerfile, replayDockerfile } from './dockerfile.js';

const ROOT = resolve(fileURLToPath(new URL('../../../../', import.meta.url)));
const skip = process.env['RAFTKV_SKIP_SLOW'] === '1' ? 'RAFTKV_SKIP_SLOW=1' : false;

let tmp: string | null = null;
let proc: ChildProcess | null = null;
after(() => {
  if (proc && proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

test('the Dockerfile builds and starts a healthy node from a clean copy of the repository', { skip, timeout: 300_000 }, async () => {
  tmp = mkdtempSync(join(tmpdir(), 'raftkv-image-'));
  const context = join(tmp, 'context');
  mkdirSync(context);
  execSync(`git -C ${JSON.stringify(ROOT)} archive HEAD | tar -x -C ${JSON.stringify(context)}`, { stdio: 'pipe' });
  const df = parseDockerfile(readFileSync(join(context, 'Dockerfile'), 'utf8'));
  const t0 = performance.now();
  const replay = replayDockerfile(df, context, join(tmp, 'stages'), (cmd, cwd, env) => {
    const started = performance.now();
    // `npm cache clean` belongs to the image; here it would empty this machine's shared cache.
    const cache = /npm cache clean/.test(cmd) ? { npm_config_cache: join(tmp!, 'npm-cache') } : {};
    execSync(cmd, { cwd, env: { ...process.env, ...env, ...cache, npm_config_prefer_offline: 'true', npm_config_update_notifier: 'false' }, stdio: 'pipe', timeout: 180_000 });
    console.log(`  ${cmd}  (${((performance.now() - started) / 1000).toFixed(1)} s)`);
  });
  for (const s of replay.steps) if (s.skipped) console.log(`  skipped in ${s.stage}: ${s.what} (${s.skipped})`);
  console.log(`Dockerfile replayed in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  const runtimeModules = join(replay.cwd, 'node_modules');
  assert.throws(() => readFileSync(join(runtimeModules, 'typescript', 'package.json')), 'no dev dependencies in the runtime stage');

  const [port] = await freePorts(1);
  const env: NodeJS.ProcessEnv = { ...process.env, ...replay.env, PORT: String(port), DATA_DIR: join(tmp, 'data'), LOG_LEVEL: 'warn' };
  for (const k of ['NODE_ID', 'PEERS', 'PEER_IDS', 'LISTEN']) delete env[k];
  const [cmd, ...args] = replay.cmd;
  assert.equal(cmd, 'node');
  let output = '';
  proc = spawn(process.execPath, args, { cwd: replay.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  proc.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  try {
    await eventually('/health 200', async () => (await request(url, 'GET', '/health', undefined, 1000)).status === 200, 20_000);
  } catch (err) {
    throw new Error(`${(err as Error).message}\n${output}`);
  }
  const put = await request(url, 'PUT', '/kv/from-image', { value: 'ok' });
  assert.equal(put.status, 200);

  // The HEALTHCHECK command itself, as Docker would run it inside the container.
  const hc = df.stages.at(-1)!.instructions.find((i) => i.op === 'HEALTHCHECK')!;
  const hcCmd = JSON.parse(hc.args.slice(hc.args.indexOf('CMD') + 3).trim()) as string[];
  execSync(hcCmd.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ').replace(/^'node'/, JSON.stringify(process.execPath)), { env, stdio: 'pipe', timeout: 10_000 });

  // docker stop: SIGTERM, then SIGKILL after the grace period (10 s in docker-compose.yml).
  const p = proc;
  const exited = new Promise<number | null>((r) => p.once('exit', (code) => r(code)));
  const stopAt = performance.now();
  p.kill('SIGTERM');
  const grace = setTimeout(() => p.kill('SIGKILL'), 10_000);
  const code = await exited;
  clearTimeout(grace);
  console.log(`SIGTERM -> exit ${code ?? p.signalCode} after ${(performance.now() - stopAt).toFixed(0)} ms`);
  assert.equal(p.signalCode, null, `the node did not stop on SIGTERM within 10 s (docker would SIGKILL it)\n${output}`);
});
