// Child process for the kill -9 test: appends batches with fsync in a loop and prints each
// acknowledged (durable) last index on its own line. Usage: node append-loop.js <dir>
import { openLogStore } from '../file-log-store.js';
import type { Entry, EntryType, Index, Term } from '../../raft/types.js';

const dir = process.argv[2];
if (!dir) throw new Error('usage: append-loop <dir>');
const { store, restored } = await openLogStore(dir, { segmentBytes: 64 * 1024 });
let next = (restored.entries.at(-1)?.index ?? 0) + 1;
process.stdout.write('ready\n');
for (;;) {
  const batch: Entry[] = [];
  const size = 1 + (next % 50);
  for (let i = 0; i < size; i++, next++) {
    batch.push({ index: next as Index, term: 1 as Term, type: 0 as EntryType, data: Buffer.from(`value-${next}`) });
  }
  await store.save({ snapshot: null, entries: batch, hardState: { term: 1 as Term, vote: '' as never, commit: 0 as Index } });
  process.stdout.write(`${next - 1}\n`);
}
