import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KvResult } from '../kv/command.js';
import { index, term } from '../raft/types.js';
import { ProposalWaiters } from './proposal-waiters.js';
import { TimeoutError, UnavailableError } from './types.js';

const put: KvResult = { ok: true, op: 'put', key: 'k', value: 'v', revision: 5 };

test('a write resolves when its own entry (same index and term) applies', async () => {
  const w = new ProposalWaiters();
  const p = w.wait(index(5), term(2), 1000);
  w.resolve(index(5), term(2), put);
  assert.deepEqual(await p, put);
  assert.equal(w.size, 0);
});

test('another leader\'s entry at the same index means ours was discarded: UNAVAILABLE, definitely not applied', async () => {
  const w = new ProposalWaiters();
  const p = w.wait(index(5), term(2), 1000);
  w.resolve(index(5), term(3), put);
  await assert.rejects(p, UnavailableError);
});

test('no answer in time: TIMEOUT, the outcome is unknown', async () => {
  const w = new ProposalWaiters();
  await assert.rejects(w.wait(index(5), term(2), 5), TimeoutError);
  assert.equal(w.size, 0);
});

test('proposing again at an index replaces the older waiter, whose timer then leaves the new one alone', async () => {
  const w = new ProposalWaiters();
  const old = w.wait(index(7), term(2), 5);
  const fresh = w.wait(index(7), term(4), 1000);
  await assert.rejects(old, UnavailableError);
  await new Promise((r) => setTimeout(r, 20)); // the old waiter's timer has fired by now
  assert.equal(w.size, 1);
  w.resolve(index(7), term(4), put);
  assert.deepEqual(await fresh, put);
});
