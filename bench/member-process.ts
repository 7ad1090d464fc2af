// One cluster member as an OS process: started with its output in a log file, stopped by PID.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { isAlive, killChild, stopChild, trackChild } from './cleanup.js';

export class MemberProcess {
  private child: ChildProcess | undefined;

  constructor(
    readonly id: string,
    private readonly command: string,
    private readonly args: readonly string[],
    private readonly logFile: string,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  start(): void {
    if (this.child && isAlive(this.child)) throw new Error(`${this.id} is already running`);
    const out = fs.openSync(this.logFile, 'a');
    try {
      this.child = trackChild(spawn(this.command, [...this.args], { stdio: ['ignore', out, out], env: this.env }));
    } finally {
      fs.closeSync(out);
    }
    this.child.once('error', (err) => fs.appendFileSync(this.logFile, `bench: spawn failed: ${err.message}\n`));
  }

  get pid(): number | undefined {
    return this.child && isAlive(this.child) ? this.child.pid : undefined;
  }

  get exitDescription(): string | undefined {
    if (!this.child || isAlive(this.child)) return undefined;
    return `exited with code ${this.child.exitCode}, signal ${this.child.signalCode}`;
  }

  async kill(): Promise<void> {
    if (this.child) await killChild(this.child);
  }

  async stop(graceMs = 5000): Promise<void> {
    if (this.child) await stopChild(this.child, graceMs);
  }

  logTail(bytes = 3000): string {
    try {
      const text = fs.readFileSync(this.logFile, 'utf8');
      return text.slice(-bytes);
    } catch {
      return '';
    }
  }
}
