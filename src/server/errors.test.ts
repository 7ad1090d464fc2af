// Keeps the code -> status table honest against the shared contract (fastify's errors test idea).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { codesBeyondSharedContract, statusOfCode, type ErrorCode } from './errors.js';

// dist/src/server/errors.test.js -> repo root is three levels up.
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const sharedApi = join(repoRoot, '..', 'shared', 'API.md');

/** Rows of the "Errors" section's table: `| 400 | `CODE` | ... |`. */
function errorTable(markdown: string): Map<string, number> {
  const section = markdown.split(/^#{2,3} Errors\s*$/m)[1] ?? '';
  const rows = new Map<string, number>();
  for (const m of section.split(/^#{1,3} /m)[0]!.matchAll(/^\|\s*(\d{3})\s*\|\s*`([A-Z_]+)`\s*\|/gm)) {
    rows.set(m[2]!, Number(m[1]));
  }
  return rows;
}

test('every code in API.md is in the table with the same status, and vice versa', (t) => {
  if (!existsSync(sharedApi)) {
    t.skip(`no ${sharedApi}: the shared contract is not present in this checkout`);
    return;
  }
  const documented = errorTable(readFileSync(sharedApi, 'utf8'));
  assert.ok(documented.size > 0, 'found no rows in the Errors table of API.md');
  for (const [code, status] of documented) {
    assert.equal(statusOfCode[code as ErrorCode], status, `API.md: ${code} -> ${status}`);
  }
  for (const code of Object.keys(statusOfCode)) {
    if (codesBeyondSharedContract.includes(code as ErrorCode)) continue;
    assert.ok(documented.has(code), `${code} is in errors.ts but not in API.md's Errors table`);
  }
  for (const code of codesBeyondSharedContract) {
    assert.ok(!documented.has(code), `${code} is now in API.md: drop it from codesBeyondSharedContract`);
  }
});

test("the README's error table lists every code with its status", (t) => {
  const readme = join(repoRoot, 'README.md');
  if (!existsSync(readme)) {
    t.skip('no README.md');
    return;
  }
  const documented = errorTable(readFileSync(readme, 'utf8'));
  assert.deepEqual(new Map([...documented].sort()), new Map(Object.entries(statusOfCode).sort()));
});
