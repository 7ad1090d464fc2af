// Real network isolation for multi-process tests: one Linux network namespace per node,
// joined by veth pairs to a bridge in the root namespace. The bridge has an address too,
// so the test process (in the root namespace) reaches every node directly.
//
// Partitions cut node-to-node traffic only: inside a node's namespace a blackhole route to
// each peer it must not reach drops those packets silently (like a pulled cable: no RST,
// no ICMP, TCP just retransmits). Routes to the bridge address (the test process) stay, so
// a test can still talk to both sides of a partition. Only `ip` (iproute2) is needed.
import { execFileSync, spawnSync } from 'node:child_process';

export interface NetnsNode {
  /** Namespace name, unique per run (contains the pid). */
  readonly ns: string;
  /** The node's address inside its namespace. */
  readonly host: string;
}

export class NetnsError extends Error {
  override readonly name = 'NetnsError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

function ip(args: string[]): string {
  try {
    return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const e = err as { stderr?: string };
    throw new NetnsError(`ip ${args.join(' ')} failed: ${e.stderr?.trim() ?? String(err)}`, { cause: err });
  }
}

/** Why namespaces cannot be used here, or null when they can (probes by creating one). */
export function netnsUnavailableReason(): string | null {
  if (process.platform !== 'linux') return 'network namespaces need Linux';
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return 'network namespaces need root (run the cluster suite as root)';
  const probe = `rkprobe${process.pid}`;
  const add = spawnSync('ip', ['netns', 'add', probe], { encoding: 'utf8' });
  if (add.error) return `iproute2 'ip' is not installed: ${add.error.message}`;
  if (add.status !== 0) return `cannot create a network namespace: ${add.stderr.trim()}`;
  spawnSync('ip', ['netns', 'del', probe]);
  return null;
}

/** Picks a /24 in 10.77.0.0/16 that no interface in the root namespace uses yet. */
function freeSubnet(): number {
  const used = ip(['-4', '-o', 'addr', 'show']);
  const start = process.pid % 250;
  for (let i = 0; i < 250; i++) {
    const octet = ((start + i) % 250) + 1;
    if (!used.includes(`10.77.${octet}.`)) return octet;
  }
  throw new NetnsError('no free 10.77.x.0/24 subnet for the test network');
}

export class NetnsLab {
  readonly nodes: NetnsNode[] = [];
  /** The test process's address on the bridge. */
  readonly gateway: string;
  private readonly bridge: string;
  private readonly veths: string[] = [];
  private readonly cut = new Set<string>();
  private destroyed = false;

  private constructor(readonly size: number, private readonly tag: string, subnet: number) {
    this.bridge = `rk${tag}br`;
    this.gateway = `10.77.${subnet}.1`;
    for (let i = 0; i < size; i++) this.nodes.push({ ns: `raftkv-${tag}-n${i + 1}`, host: `10.77.${subnet}.${i + 11}` });
  }

  /**
   * Creates the bridge and one namespace per node. On any failure it removes what it made.
   * `tag` keeps names unique when one process makes several labs.
   */
  static create(size: number, tag = `${process.pid}`): NetnsLab {
    const lab = new NetnsLab(size, tag.slice(0, 9), freeSubnet());
    try {
      lab.setUp();
    } catch (err) {
      lab.destroy();
      throw err;
    }
    return lab;
  }

  private setUp(): void {
    ip(['link', 'add', this.bridge, 'type', 'bridge']);
    this.veths.push(this.bridge);
    ip(['addr', 'add', `${this.gateway}/24`, 'dev', this.bridge]);
    ip(['link', 'set', this.bridge, 'up']);
    this.nodes.forEach((n, i) => {
      const outer = `rk${this.tag}v${i + 1}`;
      const inner = `rk${this.tag}p${i + 1}`;
      ip(['netns', 'add', n.ns]);
      ip(['link', 'add', outer, 'type', 'veth', 'peer', 'name', inner]);
      this.veths.push(outer);
      ip(['link', 'set', inner, 'netns', n.ns]);
      ip(['link', 'set', outer, 'master', this.bridge]);
      ip(['link', 'set', outer, 'up']);
      ip(['-n', n.ns, 'addr', 'add', `${n.host}/24`, 'dev', inner]);
      ip(['-n', n.ns, 'link', 'set', inner, 'up']);
      ip(['-n', n.ns, 'link', 'set', 'lo', 'up']);
    });
  }

  private key(a: number, b: number): string {
    return `${a}>${b}`;
  }

  /** Drops packets from node a to node b (indices). One direction only. */
  private block(a: number, b: number): void {
    const k = this.key(a, b);
    if (this.cut.has(k)) return;
    ip(['-n', this.nodes[a]!.ns, 'route', 'add', 'blackhole', `${this.nodes[b]!.host}/32`]);
    this.cut.add(k);
  }

  private unblock(a: number, b: number): void {
    const k = this.key(a, b);
    if (!this.cut.has(k)) return;
    ip(['-n', this.nodes[a]!.ns, 'route', 'del', 'blackhole', `${this.nodes[b]!.host}/32`]);
    this.cut.delete(k);
  }

  /**
   * Splits the nodes into groups (indices): traffic flows only within a group. Nodes not
   * named in any group are each alone. Replaces any earlier partition.
   */
  partition(groups: ReadonlyArray<readonly number[]>): void {
    const groupOf = new Map<number, number>();
    groups.forEach((g, gi) => g.forEach((i) => groupOf.set(i, gi)));
    for (let a = 0; a < this.size; a++) {
      for (let b = 0; b < this.size; b++) {
        if (a === b) continue;
        const ga = groupOf.get(a);
        const together = ga !== undefined && ga === groupOf.get(b);
        if (together) this.unblock(a, b);
        else this.block(a, b);
      }
    }
  }

  /** Cuts node i off from every other node. */
  isolate(i: number): void {
    this.partition([Array.from({ length: this.size }, (_, j) => j).filter((j) => j !== i)]);
  }

  heal(): void {
    for (const k of [...this.cut]) {
      const [a, b] = k.split('>').map(Number) as [number, number];
      this.unblock(a, b);
    }
  }

  describe(): string {
    return this.cut.size === 0 ? 'healed' : `cut ${[...this.cut].map((k) => k.split('>').map((i) => `n${Number(i) + 1}`).join('->')).join(' ')}`;
  }

  /** Removes every namespace and link this lab made. Safe to call twice; never throws. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    for (const n of this.nodes) spawnSync('ip', ['netns', 'del', n.ns]);
    // Deleting a namespace deletes the veth end inside it, and with it the pair.
    for (const link of this.veths) spawnSync('ip', ['link', 'del', link], { stdio: 'ignore' });
  }
}
