// Micro-benchmark: encode + decode of a MsgApp carrying 64 entries of 100 bytes.
// Run: node dist/src/transport/codec-bench.js
import { MessageType, index, term } from '../raft/types.js';
import { decodeMessage, encodeMessage } from './codec.js';
import { entry, msg } from './test-support.js';

const entries = Array.from({ length: 64 }, (_, i) => entry(5, 1000 + i, new Uint8Array(100).fill(i)));
const m = msg({ type: MessageType.MsgApp, term: term(5), logTerm: term(5), index: index(999), commit: index(990), entries });

function run(ms: number): number {
  let n = 0;
  let sink = 0;
  const start = performance.now();
  while (performance.now() - start < ms) {
    for (let i = 0; i < 200; i++) {
      const back = decodeMessage(encodeMessage(m));
      sink += back.entries.length;
    }
    n += 200;
  }
  if (sink !== n * 64) throw new Error('bad decode');
  return (n * 1000) / (performance.now() - start);
}

run(300); // warm-up
const rate = run(1500);
const bytes = encodeMessage(m).length;
console.log(`MsgApp 64x100B (${bytes} B): ${Math.round(rate).toLocaleString('en-US')} encode+decode/s, ` +
  `${((rate * bytes) / 2 ** 20).toFixed(0)} MiB/s`);
