// How fast can the load generator go? Drives an in-memory HTTP server that speaks raftkv's
// PUT/GET /kv API (in its own process) and reports ops/s and both processes' CPU, so a bench
// result can be read against the generator's own ceiling.
//   node dist/bench/loadgen-selftest.js [concurrency=64] [seconds=3]
import { spawn } from 'node:child_process';
import { cleanupNow, killChild, trackChild } from './cleanup.js';
import { LoadGenerator } from './loadgen-process.js';
import { CpuMeter } from './proc.js';

const FAKE_KV = `
import http from 'node:http';
const data = new Map();
let rev = 0;
const s = http.createServer((req, res) => {
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (c) => (body += c));
  req.on('end', () => {
    const key = decodeURIComponent(req.url.slice(4).split('?')[0]);
    res.setHeader('content-type', 'application/json');
    if (req.method === 'PUT') { const { value } = JSON.parse(body); data.set(key, value); res.end(JSON.stringify({ key, value, revision: ++rev })); }
    else if (data.has(key)) res.end(JSON.stringify({ key, value: data.get(key), revision: rev }));
    else { res.statusCode = 404; res.end('{"error":"absent","code":"KEY_NOT_FOUND"}'); }
  });
});
s.keepAliveTimeout = 60000;
s.listen(0, '127.0.0.1', () => console.log(s.address().port));
`;

async function main(): Promise<void> {
  const concurrency = Number(process.argv[2] ?? 64);
  const seconds = Number(process.argv[3] ?? 3);
  const server = trackChild(spawn(process.execPath, ['--input-type=module', '-e', FAKE_KV], { stdio: ['ignore', 'pipe', 'inherit'] }));
  const port = await new Promise<number>((resolve) => server.stdout?.once('data', (d: Buffer) => resolve(Number(d.toString()))));
  const loadgen = await LoadGenerator.start();
  try {
    for (const op of ['write', 'read-linearizable'] as const) {
      let server0: CpuMeter | undefined;
      let lg0: CpuMeter | undefined;
      let serverMs = 0;
      let lgMs = 0;
      const r = await loadgen.load(
        {
          kind: 'load',
          target: { kind: 'raftkv', endpoints: [`127.0.0.1:${port}`], requestTimeoutMs: 5000 },
          op,
          concurrency,
          warmupMs: 300,
          measureMs: seconds * 1000,
          keyCount: 1000,
          valueBytes: 100,
          prefill: op !== 'write',
          failureBackoffMs: 10,
        },
        {
          onMeasureStart: () => {
            server0 = new CpuMeter([server.pid ?? 0]);
            lg0 = new CpuMeter([loadgen.pid]);
          },
          onMeasureEnd: () => {
            serverMs = server0?.read() ?? NaN;
            lgMs = lg0?.read() ?? NaN;
          },
        },
      ).result;
      console.log(
        `${op} x${concurrency}: ${r.opsPerSec.toFixed(0)} ops/s, p50 ${r.latency.p50Ms.toFixed(3)} ms, p99 ${r.latency.p99Ms.toFixed(2)} ms, failed ${r.failed}` +
          ` | loadgen CPU ${((lgMs * 100) / r.measuredMs).toFixed(0)}% (${((lgMs * 1000) / Math.max(1, r.ops)).toFixed(1)} us/op)` +
          `, server CPU ${((serverMs * 100) / r.measuredMs).toFixed(0)}%`,
      );
    }
  } finally {
    await loadgen.close();
    await killChild(server);
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    cleanupNow();
    process.exit(1);
  },
);
