// CPU time and memory of a process from /proc, so that CPU per operation can be compared
// between systems and the load generator's own cost is visible.
import fs from 'node:fs';
import { execFileSync } from 'node:child_process';

let clockTicksPerSec: number | undefined;

function ticksPerSec(): number {
  if (clockTicksPerSec === undefined) {
    try {
      clockTicksPerSec = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicksPerSec = 100;
    }
  }
  return clockTicksPerSec;
}

/** utime+stime of `pid` in milliseconds, or undefined when the process is gone. */
export function cpuMs(pid: number): number | undefined {
  let stat: string;
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) may contain spaces and parentheses; fields after the last ')' are fixed.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(rest[11]);
  const stime = Number(rest[12]);
  return ((utime + stime) * 1000) / ticksPerSec();
}

/** Resident set size of `pid` in bytes, or undefined when the process is gone. */
export function rssBytes(pid: number): number | undefined {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const m = /^VmRSS:\s+(\d+) kB/m.exec(status);
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** CPU milliseconds summed over a set of PIDs; a PID that vanished counts from its last sample. */
export class CpuMeter {
  private readonly start = new Map<number, number>();
  private readonly last = new Map<number, number>();

  constructor(pids: readonly number[]) {
    for (const pid of pids) this.add(pid);
  }

  add(pid: number): void {
    const now = cpuMs(pid);
    if (now === undefined || this.start.has(pid)) return;
    this.start.set(pid, now);
    this.last.set(pid, now);
  }

  /** CPU ms used by the tracked processes since construction (or since `add`). */
  read(): number {
    let total = 0;
    for (const [pid, begin] of this.start) {
      const now = cpuMs(pid) ?? this.last.get(pid) ?? begin;
      this.last.set(pid, now);
      total += now - begin;
    }
    return total;
  }
}

/** Busy and total CPU milliseconds of the whole machine (all cores) from /proc/stat. */
export function machineCpuMs(): { busyMs: number; totalMs: number } | undefined {
  try {
    const line = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
    const f = line.trim().split(/\s+/).slice(1, 9).map(Number);
    const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = f;
    const toMs = 1000 / ticksPerSec();
    return { busyMs: (user + nice + system + irq + softirq + steal) * toMs, totalMs: (user + nice + system + idle + iowait + irq + softirq + steal) * toMs };
  } catch {
    return undefined;
  }
}
