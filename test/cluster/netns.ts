// Real network isolation for multi-process tests: one Linux network namespace per node,
// joined by veth pairs to a bridge in the root namespace. The bridge has an address too,
// so the test process (in the root namespace) reaches every node directly.
//
// Partitions cut node-to-node traffic only: inside a node's namespace a blackhole route to
// each peer it must not reach drops those packets silently (like a pulled cable: no RST,
// no ICMP, TCP just retransmits). Routes to the bridge address (the test process) stay, so
// a test can still talk to both sides of a partition. Only `ip` (iproute2) is needed.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';

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

function split(k: string): [number, number] {
  const [a, b] = k.split('>').map(Number);
  return [a!, b!];
}

/** Runs `ip -n ns -batch -` with the given commands, without blocking the event loop. */
function ipBatch(ns: string, lines: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn('ip', ['-n', ns, '-batch', '-'], { stdio: ['pipe', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.on('error', reject);
    p.on('exit', (code) => (code === 0 ? resolve() : reject(new NetnsError(`ip -n ${ns} -batch failed (${code}): ${err.trim()} for ${lines.join('; ')}`))));
    p.stdin.end(lines.join('\n') + '\n');
  });
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

  /**
   * Splits the nodes into groups (indices): traffic flows only within a group. Nodes not
   * named in any group are each alone. Replaces any earlier partition. Asynchronous (one
   * `ip -batch` per namespace, in parallel) so a test's clients keep running meanwhile.
   */
  async partition(groups: ReadonlyArray<readonly number[]>): Promise<void> {
    const groupOf = new Map<number, number>();
    groups.forEach((g, gi) => g.forEach((i) => groupOf.set(i, gi)));
    const want = new Set<string>();
    for (let a = 0; a < this.size; a++) {
      for (let b = 0; b < this.size; b++) {
        const ga = groupOf.get(a);
        if (a !== b && (ga === undefined || ga !== groupOf.get(b))) want.add(`${a}>${b}`);
      }
    }
    await this.apply(want);
  }

  /** Cuts node i off from every other node. */
  isolate(i: number): Promise<void> {
    return this.partition([Array.from({ length: this.size }, (_, j) => j).filter((j) => j !== i)]);
  }

  heal(): Promise<void> {
    return this.apply(new Set());
  }

  /** Makes the set of cut directed links `a>b` equal `want`. */
  private async apply(want: ReadonlySet<string>): Promise<void> {
    const lines = new Map<number, string[]>();
    const add = (a: number, line: string): void => {
      const l = lines.get(a) ?? [];
      l.push(line);
      lines.set(a, l);
    };
    for (const k of this.cut) if (!want.has(k)) { const [a, b] = split(k); add(a, `route del blackhole ${this.nodes[b]!.host}/32`); }
    for (const k of want) if (!this.cut.has(k)) { const [a, b] = split(k); add(a, `route add blackhole ${this.nodes[b]!.host}/32`); }
    await Promise.all([...lines].map(([a, l]) => ipBatch(this.nodes[a]!.ns, l)));
    this.cut.clear();
    for (const k of want) this.cut.add(k);
  }

  /**
   * Gives every namespace an /etc/hosts (via /etc/netns/<ns>/hosts, which `ip netns exec`
   * mounts over /etc/hosts) that maps each name to node i's address: the way containers
   * find each other by service name in docker compose, or pods by headless-Service DNS name.
   */
  setHosts(names: ReadonlyMap<string, number>): void {
    const lines = ['127.0.0.1 localhost', ...[...names].map(([name, i]) => `${this.nodes[i]!.host} ${name}`)];
    for (const n of this.nodes) {
      mkdirSync(`/etc/netns/${n.ns}`, { recursive: true });
      writeFileSync(`/etc/netns/${n.ns}/hosts`, lines.join('\n') + '\n');
    }
  }

  describe(): string {
    return this.cut.size === 0 ? 'healed' : `cut ${[...this.cut].map((k) => k.split('>').map((i) => `n${Number(i) + 1}`).join('->')).join(' ')}`;
  }

  /** Removes every namespace and link this lab made. Safe to call twice; never throws. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    for (const n of this.nodes) {
      spawnSync('ip', ['netns', 'del', n.ns]);
      rmSync(`/etc/netns/${n.ns}`, { recursive: true, force: true });
    }
    // Deleting a namespace deletes the veth end inside it, and with it the pair.
    for (const link of this.veths) spawnSync('ip', ['link', 'del', link], { stdio: 'ignore' });
  }
}
