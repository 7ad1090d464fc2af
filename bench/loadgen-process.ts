// The bench's handle on the load-generator child: start it, give it jobs, hear when the measured
// window opens and closes (to sample CPU exactly then), stop it by PID.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { stopChild, trackChild } from './cleanup.js';
import type { ChildMessage, Job, LoadJob, LoadResult, VerifyJob, VerifyResult } from './loadgen-protocol.js';

export interface PhaseHooks {
  onMeasureStart?(at: number): void;
  onMeasureEnd?(at: number): void;
}

interface Pending {
  ackWaiter?: (ackAt: number) => void;
  resolve(result: LoadResult | VerifyResult): void;
  reject(err: Error): void;
  hooks: PhaseHooks;
}

export class LoadGenerator {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();

  private constructor(private readonly child: ChildProcess) {
    child.on('message', (m: ChildMessage) => this.onMessage(m));
    child.once('exit', (code, signal) => {
      for (const p of this.pending.values()) p.reject(new Error(`load generator exited (code ${code}, signal ${signal})`));
      this.pending.clear();
    });
  }

  static async start(): Promise<LoadGenerator> {
    const script = fileURLToPath(new URL('./loadgen.js', import.meta.url));
    const child = trackChild(fork(script, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
    await new Promise<void>((resolve, reject) => {
      child.once('message', (m: ChildMessage) => (m.type === 'ready' ? resolve() : reject(new Error(`unexpected ${m.type}`))));
      child.once('exit', (code) => reject(new Error(`load generator exited before ready (code ${code})`)));
    });
    return new LoadGenerator(child);
  }

  get pid(): number {
    if (this.child.pid === undefined) throw new Error('load generator has no pid');
    return this.child.pid;
  }

  /** Start a job; `stop()` on the returned handle ends an open-ended one. */
  load(job: LoadJob, hooks: PhaseHooks = {}): { result: Promise<LoadResult>; stop(): void; ackedAfter(at: number): Promise<number> } {
    const id = this.nextId++;
    const result = this.submit(id, job, hooks) as Promise<LoadResult>;
    return {
      result,
      stop: () => this.child.send({ type: 'stop', id }),
      ackedAfter: (at) => new Promise<number>((resolve) => {
        const p = this.pending.get(id);
        if (!p) return;
        p.ackWaiter = resolve;
        this.child.send({ type: 'watch-ack', id, at });
      }),
    };
  }

  verify(job: VerifyJob): Promise<VerifyResult> {
    return this.submit(this.nextId++, job, {}) as Promise<VerifyResult>;
  }

  async close(): Promise<void> {
    if (this.child.connected) this.child.send({ type: 'exit' });
    await stopChild(this.child, 2000);
  }

  private submit(id: number, job: Job, hooks: PhaseHooks): Promise<LoadResult | VerifyResult> {
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, hooks });
      this.child.send({ type: 'run', id, job });
    });
  }

  private onMessage(m: ChildMessage): void {
    if (m.type === 'ready') return;
    const p = this.pending.get(m.id);
    if (!p) return;
    if (m.type === 'acked-after') {
      p.ackWaiter?.(m.ackAt);
      return;
    }
    if (m.type === 'phase') {
      if (m.phase === 'measure-start') p.hooks.onMeasureStart?.(m.at);
      else p.hooks.onMeasureEnd?.(m.at);
      return;
    }
    this.pending.delete(m.id);
    if (m.type === 'result') p.resolve(m.result);
    else p.reject(new Error(`load generator: ${m.message}`));
  }
}
