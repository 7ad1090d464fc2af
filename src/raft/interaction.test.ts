// Golden interaction scripts in src/raft/testdata/*.txt. UPDATE_GOLDEN=1 rewrites them
// with the current output; review the diff before committing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { InteractionEnv } from './testing/interaction.js';

// tsc does not copy .txt into dist: read them from the source tree.
const dir = fileURLToPath(new URL('../../../src/raft/testdata/', import.meta.url));
const update = process.env.UPDATE_GOLDEN === '1';

for (const name of readdirSync(dir).filter((f) => f.endsWith('.txt')).sort()) {
  test(`interaction script ${name}`, () => {
    const path = dir + name;
    const want = readFileSync(path, 'utf8');
    const got = new InteractionEnv().run(want);
    if (update) writeFileSync(path, got);
    else assert.equal(got, want, `${name} differs; rerun with UPDATE_GOLDEN=1 and review the diff`);
  });
}
