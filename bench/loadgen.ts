// The load generator's own process: takes jobs from the bench over IPC, runs them, answers with
// results. Kept separate so that its CPU is measured apart from the bench and the cluster.
import { runLoad, runVerify } from './closed-loop.js';
import type { ChildMessage, Job, LoadResult, ParentMessage, VerifyResult } from './loadgen-protocol.js';
import { Etcd3Target, loadEtcd3 } from './targets/etcd3-client.js';
import { RaftkvHttpTarget } from './targets/raftkv-http.js';
import type { KvTarget } from './targets/target.js';

const stopWaiters = new Map<number, () => void>();
const ackWatches = new Map<number, number>();

function send(message: ChildMessage): void {
  process.send?.(message);
}

async function makeTarget(job: Job): Promise<KvTarget> {
  const sockets = job.kind === 'load' ? Math.max(job.concurrency, 16) : job.concurrency;
  if (job.target.kind === 'raftkv') return new RaftkvHttpTarget(job.target, sockets);
  const mod = await loadEtcd3();
  if (!mod) throw new Error('the etcd3 npm package is not installed');
  return new Etcd3Target(mod, job.target);
}

async function run(id: number, job: Job): Promise<LoadResult | VerifyResult> {
  const target = await makeTarget(job);
  try {
    if (job.kind === 'verify') return await runVerify(job, target);
    const stopSignal = new Promise<void>((resolve) => stopWaiters.set(id, resolve));
    return await runLoad(job, target, {
      onMeasureStart: (at) => send({ type: 'phase', id, phase: 'measure-start', at }),
      onMeasureEnd: (at) => send({ type: 'phase', id, phase: 'measure-end', at }),
      stopSignal,
      onAck: (ack) => {
        const at = ackWatches.get(id);
        if (at !== undefined && ack.startAt >= at) {
          ackWatches.delete(id);
          send({ type: 'acked-after', id, ackAt: ack.ackAt });
        }
      },
    });
  } finally {
    stopWaiters.delete(id);
    ackWatches.delete(id);
    await target.close();
  }
}

process.on('message', (message: ParentMessage) => {
  switch (message.type) {
    case 'run':
      run(message.id, message.job).then(
        (result) => send({ type: 'result', id: message.id, result }),
        (err: unknown) => send({ type: 'error', id: message.id, message: err instanceof Error ? `${err.message}${err.cause ? ` (${String(err.cause)})` : ''}` : String(err) }),
      );
      break;
    case 'watch-ack':
      ackWatches.set(message.id, message.at);
      break;
    case 'stop':
      stopWaiters.get(message.id)?.();
      break;
    case 'exit':
      process.exit(0);
  }
});

// Without the parent there is nobody to report to.
process.on('disconnect', () => process.exit(0));
send({ type: 'ready' });
