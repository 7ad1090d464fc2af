// Where the time goes: reads `node --cpu-prof` files (from `npm run bench -- --profile`) and prints
// the functions with the most self time, and the same grouped by source file.
//   node dist/bench/profile-summary.js <file.cpuprofile | dir> [top=25]
import fs from 'node:fs';
import path from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

function selfTimes(profile: CpuProfile, byFunction: Map<string, number>, byFile: Map<string, number>): number {
  const frames = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
  let total = 0;
  profile.samples.forEach((id, i) => {
    const us = profile.timeDeltas[i] ?? 0;
    const f = frames.get(id);
    // Idle is the event loop waiting (for the disk, the network); only busy time is apportioned.
    if (!f || f.functionName === '(idle)') return;
    total += us;
    const file = shortUrl(f.url) || `(${f.functionName || 'native'})`;
    const fn = `${f.functionName || '(anonymous)'} ${file}${f.url ? `:${f.lineNumber + 1}` : ''}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + us);
    byFile.set(file, (byFile.get(file) ?? 0) + us);
  });
  return total;
}

function shortUrl(url: string): string {
  const dist = url.indexOf('/dist/');
  if (dist >= 0) return url.slice(dist + 1);
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) return url.slice(nm + 1);
  return url.replace(/^file:\/\//, '');
}

function print(title: string, times: Map<string, number>, total: number, top: number): void {
  console.log(`\n${title}`);
  for (const [name, us] of [...times].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`${((us * 100) / total).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(7)} ms  ${name}`);
  }
}

const target = process.argv[2];
const top = Number(process.argv[3] ?? 25);
if (!target) {
  console.error('usage: node dist/bench/profile-summary.js <file.cpuprofile | dir> [top]');
  process.exit(2);
}
const files = fs.statSync(target).isDirectory()
  ? fs.readdirSync(target).filter((f) => f.endsWith('.cpuprofile')).map((f) => path.join(target, f))
  : [target];
const byFunction = new Map<string, number>();
const byFile = new Map<string, number>();
let total = 0;
for (const file of files) total += selfTimes(JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile, byFunction, byFile);
console.log(`${files.length} profile(s), ${(total / 1000).toFixed(0)} ms busy (idle excluded)`);
print('self time by function', byFunction, total, top);
print('self time by file', byFile, total, top);
