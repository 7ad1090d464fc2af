// Who can talk to whom right now. Partitions are a blocked matrix over node indexes;
// delays, drops and duplicates are decided by the simulation when a message is sent.
import type { PartitionKind } from './options.js';
import type { Prng } from './prng.js';

export class Connectivity {
  private readonly blocked: Uint8Array;
  partitioned = false;
  description = 'healed';

  constructor(private readonly n: number) {
    this.blocked = new Uint8Array(n * n);
  }

  canSend(from: number, to: number): boolean {
    return this.blocked[from * this.n + to] === 0;
  }

  heal(): void {
    this.blocked.fill(0);
    this.partitioned = false;
    this.description = 'healed';
  }

  private block(from: number, to: number): void {
    if (from !== to) this.blocked[from * this.n + to] = 1;
  }

  /** `leader` is the index of a node that currently believes it leads, or -1. */
  partition(kind: PartitionKind, rng: Prng, leader: number): void {
    this.heal();
    const n = this.n;
    const all = [...Array(n).keys()];
    switch (kind) {
      case 'isolate':
      case 'leader': {
        const x = kind === 'leader' && leader >= 0 ? leader : rng.int(n);
        for (const y of all) {
          this.block(x, y);
          this.block(y, x);
        }
        this.description = `${kind} n${x + 1}`;
        break;
      }
      case 'split': {
        const minority = rng.shuffle(all.slice()).slice(0, rng.range(1, Math.floor(n / 2)));
        const inMinority = new Set(minority);
        for (const a of all) for (const b of all) if (inMinority.has(a) !== inMinority.has(b)) this.block(a, b);
        this.description = `split {${minority.map((x) => `n${x + 1}`).join(',')}} | rest`;
        break;
      }
      case 'one-way': {
        const x = rng.int(n);
        const outbound = rng.chance(0.5);
        const others = all.filter((y) => y !== x && rng.chance(0.7));
        for (const y of others) {
          if (outbound) this.block(x, y);
          else this.block(y, x);
        }
        this.description = `one-way n${x + 1} ${outbound ? 'cannot send to' : 'cannot hear'} {${others.map((y) => `n${y + 1}`).join(',')}}`;
        break;
      }
      case 'random': {
        const cut: string[] = [];
        for (let a = 0; a < n; a++) {
          for (let b = a + 1; b < n; b++) {
            if (rng.chance(0.3)) {
              this.block(a, b);
              this.block(b, a);
              cut.push(`n${a + 1}-n${b + 1}`);
            }
          }
        }
        this.description = `random cut ${cut.join(',')}`;
        break;
      }
    }
    this.partitioned = true;
  }
}
