// Messages between the bench (parent) and the load generator (its own child process, over IPC).
import type { LatencySummary } from './stats.js';
import type { TargetSpec } from './targets/target.js';

export const Op = {
  write: 'write',
  readLinearizable: 'read-linearizable',
  readSerializable: 'read-serializable',
} as const;
export type Op = (typeof Op)[keyof typeof Op];

export interface LoadJob {
  readonly kind: 'load';
  readonly target: TargetSpec;
  readonly op: Op;
  readonly concurrency: number;
  readonly warmupMs: number;
  /** Measured window; undefined means "until the parent sends stop". */
  readonly measureMs: number | undefined;
  readonly keyCount: number;
  readonly valueBytes: number;
  /** Write every key once before the warm-up, so reads find values. */
  readonly prefill: boolean;
  /** Unique keys (`<prefix><seq>`) instead of cycling over `keyCount`. */
  readonly uniqueKeyPrefix?: string;
  /** Keep every acknowledged write (and failed attempt), for read-back and failover timing. */
  readonly recordAcks?: boolean;
  /** Stop once this many requests have been issued (the measured window ends then). */
  readonly maxOps?: number;
  /** Pause after a failed request, so a dead endpoint is not hammered in a tight loop. */
  readonly failureBackoffMs: number;
}

export interface VerifyJob {
  readonly kind: 'verify';
  readonly target: TargetSpec;
  readonly expected: ReadonlyArray<readonly [key: string, value: string]>;
  readonly concurrency: number;
}

export type Job = LoadJob | VerifyJob;

export interface Ack {
  readonly key: string;
  readonly value: string;
  readonly startAt: number;
  readonly ackAt: number;
}

export interface LoadResult {
  readonly kind: 'load';
  readonly measuredMs: number;
  readonly ops: number;
  readonly failed: number;
  readonly opsPerSec: number;
  readonly latency: LatencySummary;
  readonly errors: Record<string, number>;
  /** Failures over the whole run (warm-up included). */
  readonly failedTotal: number;
  readonly acks?: Ack[];
  /** Failed attempts with their times, when unique keys are used (failover). */
  readonly failures?: Array<{ startAt: number; endAt: number; kind: string }>;
}

export interface VerifyResult {
  readonly kind: 'verify';
  readonly checked: number;
  readonly missing: number;
  readonly mismatched: number;
  readonly unreadable: number;
  readonly examples: string[];
}

export type ParentMessage =
  | { readonly type: 'run'; readonly id: number; readonly job: Job }
  | { readonly type: 'stop'; readonly id: number }
  /** Tell the parent once a request started at or after `at` is acknowledged. */
  | { readonly type: 'watch-ack'; readonly id: number; readonly at: number }
  | { readonly type: 'exit' };

export type ChildMessage =
  | { readonly type: 'ready' }
  | { readonly type: 'phase'; readonly id: number; readonly phase: 'measure-start' | 'measure-end'; readonly at: number }
  | { readonly type: 'acked-after'; readonly id: number; readonly ackAt: number }
  | { readonly type: 'result'; readonly id: number; readonly result: LoadResult | VerifyResult }
  | { readonly type: 'error'; readonly id: number; readonly message: string };
