// The physical floor of this machine, measured in the same run as the stores: what one durable
// append costs, what one loopback round trip costs, and what a do-nothing Node HTTP server costs.
// A store that needs one fdatasync and one round trip per batch cannot beat these.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { killChild, trackChild } from './cleanup.js';
import { LatencyRecorder, summarize, type LatencySummary } from './stats.js';

export interface FloorSample {
  readonly latency: LatencySummary;
  readonly opsPerSec: number;
}

export interface FloorResult {
  readonly fdatasync4k: FloorSample;
  /** The same, with three writers at once (three members on one disk, as in the bench). */
  readonly fdatasync4kThreeWriters?: FloorSample;
  readonly tcpLoopbackRtt: FloorSample;
  readonly httpTrivial: FloorSample;
  readonly fsDir: string;
}

/** Append 4 KiB to `file` and fdatasync, back to back, for `durationMs`: each round's latency.
 *  The file is removed afterwards. */
export function fdatasyncSamples(file: string, durationMs: number): number[] {
  const fd = fs.openSync(file, 'a');
  const block = Buffer.alloc(4096, 0x61);
  const out: number[] = [];
  try {
    const end = performance.now() + durationMs;
    for (let start = performance.now(); start < end; ) {
      fs.writeSync(fd, block);
      fs.fdatasyncSync(fd);
      const now = performance.now();
      out.push(now - start);
      start = now;
    }
  } finally {
    fs.closeSync(fd);
    fs.rmSync(file, { force: true });
  }
  return out;
}

/** Append 4 KiB and fdatasync, back to back, in `dir`'s file system. */
export function measureFdatasync(dir: string, durationMs: number): FloorSample {
  const latency = summarize(fdatasyncSamples(path.join(dir, `floor-fdatasync-${process.pid}.bin`), durationMs));
  return { latency, opsPerSec: (latency.count * 1000) / durationMs };
}

/** What each writer process of measureFdatasyncConcurrent runs: this module's loop, latencies as JSON. */
const FDATASYNC_WRITER = `
import { fdatasyncSamples } from ${JSON.stringify(import.meta.url)};
process.stdout.write(JSON.stringify(fdatasyncSamples(process.argv[1], Number(process.argv[2]))));
`;

/**
 * `writers` processes appending and syncing at once, each to its own file in `dir`: what every
 * member of a cluster on one machine meets, since a commit makes all of them fdatasync together.
 */
export async function measureFdatasyncConcurrent(dir: string, durationMs: number, writers = 3): Promise<FloorSample> {
  const runs = Array.from({ length: writers }, (_, i) => new Promise<number[]>((resolve, reject) => {
    const file = path.join(dir, `floor-fdatasync-${process.pid}-${i}.bin`);
    const child = trackChild(spawn(process.execPath, ['--input-type=module', '-e', FDATASYNC_WRITER, file, String(durationMs)], { stdio: ['ignore', 'pipe', 'inherit'] }));
    let text = '';
    child.stdout?.on('data', (d: Buffer) => (text += d.toString()));
    child.once('exit', (code) => {
      fs.rmSync(file, { force: true });
      if (code === 0) resolve(JSON.parse(text) as number[]);
      else reject(new Error(`fdatasync writer exited (code ${code})`));
    });
  }));
  const samples = (await Promise.all(runs)).flat();
  const latency = summarize(samples);
  return { latency, opsPerSec: (latency.count * 1000) / durationMs };
}

// Servers run in their own process, as a peer or a client would.
const ECHO_SERVER = `
import net from 'node:net';
const s = net.createServer((c) => { c.setNoDelay(true); c.on('data', (d) => c.write(d)); });
s.listen(0, '127.0.0.1', () => console.log(s.address().port));
`;
const HTTP_SERVER = `
import http from 'node:http';
const s = http.createServer((req, res) => { req.resume(); req.on('end', () => { res.setHeader('content-type', 'application/json'); res.end('{"ok":true}'); }); });
s.keepAliveTimeout = 60000;
s.listen(0, '127.0.0.1', () => console.log(s.address().port));
`;

async function withServer<T>(source: string, use: (port: number) => Promise<T>): Promise<T> {
  const child = trackChild(spawn(process.execPath, ['--input-type=module', '-e', source], { stdio: ['ignore', 'pipe', 'inherit'] }));
  try {
    const port = await new Promise<number>((resolve, reject) => {
      child.stdout?.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
      child.once('exit', (code) => reject(new Error(`floor server exited (code ${code})`)));
    });
    return await use(port);
  } finally {
    await killChild(child);
  }
}

/** 64-byte message, echoed back, one at a time. */
export function measureTcpRtt(durationMs: number): Promise<FloorSample> {
  return withServer(ECHO_SERVER, (port) => new Promise<FloorSample>((resolve, reject) => {
    const rec = new LatencyRecorder();
    const msg = Buffer.alloc(64, 0x62);
    const sock = net.connect(port, '127.0.0.1');
    sock.setNoDelay(true);
    let end = 0;
    let start = 0;
    let got = 0;
    const ping = (): void => {
      got = 0;
      start = performance.now();
      sock.write(msg);
    };
    sock.on('connect', () => {
      end = performance.now() + durationMs;
      ping();
    });
    sock.on('data', (d: Buffer) => {
      got += d.length;
      if (got < msg.length) return;
      const now = performance.now();
      rec.record(now - start);
      if (now < end) ping();
      else {
        sock.destroy();
        const latency = rec.summary();
        resolve({ latency, opsPerSec: (latency.count * 1000) / durationMs });
      }
    });
    sock.on('error', reject);
  }));
}

/** Sequential GETs over one keep-alive connection to a server that answers at once. */
export function measureHttpTrivial(durationMs: number): Promise<FloorSample> {
  return withServer(HTTP_SERVER, async (port) => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const rec = new LatencyRecorder();
    const get = (): Promise<void> => new Promise((resolve, reject) => {
      const req = http.request({ agent, host: '127.0.0.1', port, path: '/x', method: 'GET' }, (res) => {
        res.resume();
        res.on('end', resolve);
      });
      req.on('error', reject);
      req.end();
    });
    await get();
    const end = performance.now() + durationMs;
    for (let start = performance.now(); start < end; ) {
      await get();
      const now = performance.now();
      rec.record(now - start);
      start = now;
    }
    agent.destroy();
    const latency = rec.summary();
    return { latency, opsPerSec: (latency.count * 1000) / durationMs };
  });
}

export async function measureFloor(dir: string, durationMs: number): Promise<FloorResult> {
  return {
    fdatasync4k: measureFdatasync(dir, durationMs),
    fdatasync4kThreeWriters: await measureFdatasyncConcurrent(dir, durationMs),
    tcpLoopbackRtt: await measureTcpRtt(durationMs),
    httpTrivial: await measureHttpTrivial(durationMs),
    fsDir: dir,
  };
}
