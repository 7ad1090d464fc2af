import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeNode } from '../server/testing/fake-node.js';
import { startTestServer, type TestServer } from '../server/testing/http.js';
import { runCli } from './cli-commands.js';

let srv: TestServer;
before(async () => {
  srv = await startTestServer(new FakeNode('node1'));
});
after(() => srv.close());

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(argv, { RAFTKV_ENDPOINTS: srv.url }, { out: (t) => { out += t; }, err: (t) => { err += t; } });
  return { code, out, err };
}

test('put, get, list, del print plain answers and exit 0', async () => {
  assert.deepEqual(await cli('put', 'greeting', 'hello'), { code: 0, out: 'OK (revision 1)\n', err: '' });
  assert.deepEqual(await cli('get', 'greeting'), { code: 0, out: 'hello\n', err: '' });
  assert.deepEqual(await cli('list', 'gr'), { code: 0, out: 'greeting\thello\n', err: '' });
  assert.equal((await cli('del', 'greeting')).out, 'deleted (revision 2)\n');
});

test('--json and -w json print the answer as JSON', async () => {
  await cli('put', 'j', 'v');
  assert.deepEqual(JSON.parse((await cli('get', 'j', '--json')).out), { key: 'j', value: 'v', revision: 3 });
  assert.deepEqual(JSON.parse((await cli('get', 'j', '-w', 'json')).out), { key: 'j', value: 'v', revision: 3 });
});

test('compare-and-set failures and missing keys exit 1 with the code on stderr', async () => {
  const missing = await cli('get', 'nope');
  assert.equal(missing.code, 1);
  assert.match(missing.err, /KEY_NOT_FOUND/);
  const cas = await cli('put', 'j', 'w', '--prev-value', 'not-v');
  assert.equal(cas.code, 1);
  assert.match(cas.err, /PRECONDITION_FAILED/);
  assert.equal((await cli('put', 'j', 'w', '--prev-revision=3')).code, 0);
});

test('usage errors exit 2', async () => {
  for (const argv of [[], ['frobnicate'], ['get'], ['put', 'k'], ['list', '--limit', '0'], ['get', 'k', '--bogus'], ['serve', '--heartbeat-ticks', '30']]) {
    const r = await cli(...argv);
    assert.equal(r.code, 2, argv.join(' '));
    assert.ok(r.err.length > 0);
  }
});

test('status prints a table of the members', async () => {
  const r = await cli('status');
  assert.equal(r.code, 0);
  assert.match(r.out, /\| ENDPOINT\s+\| ID\s+\| ROLE/);
  assert.match(r.out, /node1 \| leader/);
  const down = await runCli(['status', '--endpoints', `${srv.url},http://127.0.0.1:1`], {}, { out: () => {}, err: () => {} });
  assert.equal(down, 1, 'an unreachable endpoint makes status fail');
});
