// The simulator's own tiny replicated state machine. Deliberately not src/kv: the
// simulator tests the consensus core, and a state machine we fully understand keeps
// every check independent of other layers. Commands are JSON in Entry.data; empty data
// is the leader's no-op. A running hash over (index, data) identifies the state at each
// index, so snapshots can be compared with what other nodes applied.

export type SimCommand =
  | { readonly c: number; readonly s: number; readonly o: 'put'; readonly k: string; readonly v: string }
  | { readonly c: number; readonly s: number; readonly o: 'cas'; readonly k: string; readonly e: string; readonly v: string }
  | { readonly c: number; readonly s: number; readonly o: 'del'; readonly k: string }
  /** The liveness phase's marker write. */
  | { readonly c: number; readonly s: number; readonly o: 'mark' };

export type ApplyResult =
  | { readonly o: 'noop' }
  | { readonly o: 'put' }
  | { readonly o: 'cas'; readonly ok: boolean }
  | { readonly o: 'del'; readonly deleted: boolean }
  | { readonly o: 'mark' };

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodeCommand(cmd: SimCommand): Uint8Array {
  return encoder.encode(JSON.stringify(cmd));
}

// Entries are shared objects in the simulator (no wire encoding), so every node applying
// an entry decodes the same bytes: decode once.
const decoded = new WeakMap<Uint8Array, SimCommand>();

export function decodeCommand(data: Uint8Array): SimCommand | null {
  if (data.length === 0) return null;
  let cmd = decoded.get(data);
  if (cmd === undefined) {
    cmd = JSON.parse(decoder.decode(data)) as SimCommand;
    decoded.set(data, cmd);
  }
  return cmd;
}

/** FNV-1a over the index and the bytes, chained from the previous state's hash. */
export function chainHash(prev: number, index: number, data: Uint8Array): number {
  let h = (prev ^ 0x811c9dc5) >>> 0;
  h = Math.imul(h ^ (index & 0xffff), 0x01000193);
  h = Math.imul(h ^ (index >>> 16), 0x01000193);
  for (let i = 0; i < data.length; i++) h = Math.imul(h ^ (data[i] as number), 0x01000193);
  return h >>> 0;
}

export class KvMachine {
  private data = new Map<string, string>();
  /** Last applied index and the state hash there. */
  appliedIndex = 0;
  appliedTerm = 0;
  hash = 0;

  get(key: string): string | undefined {
    return this.data.get(key);
  }

  apply(index: number, term: number, data: Uint8Array): ApplyResult {
    this.appliedIndex = index;
    this.appliedTerm = term;
    this.hash = chainHash(this.hash, index, data);
    const cmd = decodeCommand(data);
    if (cmd === null) return { o: 'noop' };
    switch (cmd.o) {
      case 'put':
        this.data.set(cmd.k, cmd.v);
        return { o: 'put' };
      case 'cas': {
        const ok = this.data.get(cmd.k) === cmd.e;
        if (ok) this.data.set(cmd.k, cmd.v);
        return { o: 'cas', ok };
      }
      case 'del':
        return { o: 'del', deleted: this.data.delete(cmd.k) };
      case 'mark':
        return { o: 'mark' };
    }
  }

  snapshot(): Uint8Array {
    const image = { i: this.appliedIndex, t: this.appliedTerm, h: this.hash, kv: [...this.data] };
    return encoder.encode(JSON.stringify(image));
  }

  restore(bytes: Uint8Array): void {
    const image = JSON.parse(decoder.decode(bytes)) as { i: number; t: number; h: number; kv: [string, string][] };
    this.data = new Map(image.kv);
    this.appliedIndex = image.i;
    this.appliedTerm = image.t;
    this.hash = image.h;
  }
}
