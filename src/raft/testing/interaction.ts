// A small interpreter for golden interaction scripts (etcd rafttest/interaction_env*.go).
// A script is a sequence of blocks:
//
//   # comments, kept as they are
//   command arg key=value
//   ----
//   output lines (never blank; "ok" when a command prints nothing)
//
// Blocks are separated by a blank line. run() returns the script with fresh outputs, so a
// test compares it with the file and UPDATE_GOLDEN=1 writes it back.
import { Cluster } from './harness.js';
import { describeEntry, describeMessage, describeReady } from './describe.js';
import { nodeId, type Message, type RaftConfig, type Snapshot } from '../types.js';

interface Block {
  readonly comments: string[];
  readonly command: string;
}

export function parseScript(text: string): Block[] {
  const blocks: Block[] = [];
  const lines = text.split('\n');
  let i = 0;
  while (i < lines.length) {
    const comments: string[] = [];
    while (i < lines.length && (lines[i]!.startsWith('#') || lines[i]!.trim() === '')) {
      if (lines[i]!.startsWith('#')) comments.push(lines[i]!);
      i++;
    }
    if (i >= lines.length) {
      if (comments.length > 0) blocks.push({ comments, command: '' });
      break;
    }
    const command = lines[i++]!.trim();
    if (lines[i] !== '----') throw new Error(`line ${i + 1}: expected ---- after "${command}"`);
    i++;
    while (i < lines.length && lines[i]!.trim() !== '') i++; // old output: replaced by the run
    blocks.push({ comments, command });
  }
  return blocks;
}

export class InteractionEnv {
  private cluster: Cluster | null = null;
  private out: string[] = [];

  private get c(): Cluster {
    if (!this.cluster) throw new Error('add-nodes first');
    return this.cluster;
  }

  run(text: string): string {
    const parts: string[] = [];
    for (const b of parseScript(text)) {
      const lines = [...b.comments];
      if (b.command !== '') {
        this.out = [];
        this.exec(b.command);
        lines.push(b.command, '----', ...(this.out.length > 0 ? this.out : ['ok']));
      }
      parts.push(lines.join('\n'));
    }
    return parts.join('\n\n') + '\n';
  }

  private exec(line: string): void {
    const [cmd, ...rest] = line.split(/\s+/);
    const args = rest.filter((a) => !a.includes('='));
    const kv = new Map(rest.filter((a) => a.includes('=')).map((a) => a.split('=', 2) as [string, string]));
    switch (cmd) {
      case 'add-nodes': {
        const n = Number(args[0]);
        const extra: Partial<RaftConfig> = {};
        if (kv.has('prevote')) Object.assign(extra, { preVote: kv.get('prevote') === 'true' });
        if (kv.has('checkquorum')) Object.assign(extra, { checkQuorum: kv.get('checkquorum') === 'true' });
        if (kv.has('max-msg-bytes')) Object.assign(extra, { maxMsgBytes: Number(kv.get('max-msg-bytes')) });
        this.cluster = new Cluster(Array.from({ length: n }, (_, i) => String(i + 1)), extra);
        this.cluster.onReady = (id, rd) => {
          this.out.push(`> ${id} handling Ready`);
          this.out.push(describeReady(rd, '  '));
        };
        return;
      }
      case 'campaign':
        this.c.get(args[0]!).node.campaign();
        return;
      case 'tick': {
        const n = Number(args[1] ?? 1);
        for (const id of this.ids(args.slice(0, 1))) this.c.tick(id, n);
        return;
      }
      case 'propose': {
        // The data is everything after the node id, '=' included ("propose 1 k=v").
        const r = this.c.propose(rest[0]!, rest.slice(1).join(' '));
        this.out.push(r.ok ? `ok index=${r.index} term=${r.term}` : `refused: ${r.reason} (leader ${r.leaderId || '-'})`);
        return;
      }
      case 'read-index':
        this.out.push(String(this.c.get(args[0]!).node.readIndex(new TextEncoder().encode(args[1] ?? ''))));
        return;
      case 'transfer-leadership':
        this.c.get(args[0]!).node.transferLeadership(nodeId(args[1]!));
        return;
      case 'compact':
        this.compact(args[0]!, Number(args[1]));
        return;
      case 'process-ready':
        for (const id of this.ids(args)) this.c.processReadyOf(id);
        return;
      case 'deliver-msgs':
        this.deliver(args, kv.get('drop'));
        return;
      case 'stabilize':
        this.stabilize(args);
        return;
      case 'isolate':
        this.c.isolate(args[0]!);
        return;
      case 'heal':
        this.c.heal();
        return;
      case 'status':
        for (const id of this.ids(args)) this.status(id);
        return;
      case 'log':
        for (const e of this.c.get(args[0]!).disk.entries) this.out.push(describeEntry(e));
        return;
      default:
        throw new Error(`unknown command ${cmd}`);
    }
  }

  private ids(args: string[]): string[] {
    return args.length > 0 ? args : [...this.c.nodes.keys()];
  }

  /** Deliver the in-flight messages addressed to `to` (all when empty); those to `drop` are lost. */
  private deliver(to: string[], drop?: string): boolean {
    const want = new Set(to);
    const batch = this.c.take((m: Message) => want.size === 0 || want.has(m.to));
    for (const m of batch) {
      const lost = (drop !== undefined && m.to === drop) || this.c.cut.has(`${m.from}->${m.to}`);
      this.out.push(`${lost ? 'dropped: ' : ''}${describeMessage(m)}`);
      if (!lost) this.c.deliver(m);
    }
    return batch.length > 0;
  }

  private stabilize(ids: string[]): void {
    for (let round = 0; round < 100; round++) {
      let any = false;
      for (const id of this.ids(ids)) if (this.c.processReadyOf(id)) any = true;
      if (this.deliver(ids)) any = true;
      if (!any) return;
    }
    throw new Error('stabilize: no quiet state after 100 rounds');
  }

  private compact(id: string, index: number): void {
    const n = this.c.get(id);
    const e = n.applied.find((x) => x.index === index);
    if (!e) throw new Error(`compact: ${id} has not applied ${index}`);
    const snap: Snapshot = {
      meta: { index: e.index, term: e.term, conf: { voters: [...this.c.nodes.keys()] } },
      data: new TextEncoder().encode(`snap@${index}`),
    };
    n.node.compact(snap);
    n.disk.snapshot = snap;
    n.disk.entries = n.disk.entries.filter((x) => x.index > index);
    this.out.push(`${id}: log starts at ${n.node.status().firstIndex}`);
  }

  private status(id: string): void {
    const s = this.c.get(id).node.status();
    this.out.push(`${id}: ${s.role} term=${s.term} vote=${s.vote || '-'} lead=${s.leaderId || '-'} commit=${s.commit} applied=${s.applied} log=[${s.firstIndex},${s.lastIndex}]`);
    for (const [p, pr] of s.progress) this.out.push(`  ${p}: ${pr.state} match=${pr.match} next=${pr.next}${pr.recentActive ? ' active' : ''}`);
    const reads = this.c.get(id).readStates;
    if (reads.length > 0) this.out.push(`  reads: ${reads.map((r) => `${r.context}@${r.index}`).join(' ')}`);
  }
}
