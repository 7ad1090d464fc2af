// The map of ARCHITECTURE.md, enforced: arrows point inward only, and the core has no I/O,
// clocks, timers or randomness of its own. Reads the TypeScript sources, not the build.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));

/** Which of our own layers each layer may import. */
const MAY_IMPORT: Record<string, readonly string[]> = {
  raft: [],
  storage: ['raft'],
  transport: ['raft'],
  kv: ['raft'],
  verify: ['raft', 'kv'],
  node: ['raft', 'storage', 'transport', 'kv'],
  server: ['raft', 'node', 'kv', 'verify', 'ui'],
  client: ['server', 'node', 'kv', 'verify', 'raft'],
  // The browser page: type-only imports of the server's view shapes (they vanish when compiled).
  ui: ['server'],
};

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return sources(p);
    return p.endsWith('.ts') && !p.endsWith('.test.ts') && !p.includes('/testing/') ? [p] : [];
  });
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/^\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]/gm), ...text.matchAll(/import\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => m[1]!);
}

test('layers import only inward (ARCHITECTURE.md)', () => {
  const violations: string[] = [];
  for (const file of sources(SRC)) {
    const layer = relative(SRC, file).split('/')[0]!;
    const allowed = MAY_IMPORT[layer];
    if (!allowed) continue;
    for (const spec of importsOf(file)) {
      if (!spec.startsWith('../')) continue;
      const target = relative(SRC, join(file, '..', spec)).split('/')[0]!;
      if (target !== layer && !allowed.includes(target)) violations.push(`${relative(SRC, file)} imports ${spec} (${layer} -> ${target})`);
    }
  }
  assert.deepEqual(violations, []);
});

test('src/raft has no I/O, clock, timer or randomness of its own', () => {
  const forbidden: Array<[RegExp, string]> = [
    [/from\s+['"]node:/, 'a node: module'],
    [/\bDate\.now\b|\bnew Date\b/, 'the clock'],
    [/\bperformance\.now\b/, 'the clock'],
    [/\bMath\.random\b/, 'randomness'],
    [/\bset(Timeout|Interval|Immediate)\b/, 'a timer'],
    [/\bprocess\./, 'the process'],
    [/\bawait\b|\basync\b/, 'asynchrony'],
  ];
  const violations: string[] = [];
  for (const file of sources(join(SRC, 'raft'))) {
    const code = readFileSync(file, 'utf8').replace(/\/\/.*$/gm, '').replace(/\/\*[\s\S]*?\*\//g, '');
    for (const [re, what] of forbidden) if (re.test(code)) violations.push(`${relative(SRC, file)} uses ${what}`);
  }
  assert.deepEqual(violations, []);
});
