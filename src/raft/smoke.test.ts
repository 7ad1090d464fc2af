import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Cluster } from './testing/harness.js';

test('smoke: elect, replicate, apply on all', () => {
  const c = new Cluster(['a', 'b', 'c']);
  c.elect('a');
  assert.equal(c.leader()?.id, 'a');
  const r = c.propose('a', 'x=1');
  assert.equal(r.ok, true);
  c.stabilize();
  c.tickAll(1);
  c.stabilize();
  for (const id of ['a', 'b', 'c']) assert.deepEqual(c.appliedTexts(id), ['x=1'], id);
});
