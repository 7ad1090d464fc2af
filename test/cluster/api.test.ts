// The client contract of shared/API.md against a real three-node cluster: real processes,
// real disks with fsync, real TCP between them.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { CLI, Cluster, debug, eventually, request, type ClusterNode } from './harness.js';

describe('HTTP API on a three-node cluster', () => {
  let cluster: Cluster;
  let leader: ClusterNode;
  let followers: ClusterNode[];

  before(async () => {
    cluster = await Cluster.create({ size: 3 });
    cluster.startAll();
    leader = await cluster.waitForLeader();
    followers = cluster.nodes.filter((n) => n !== leader);
  });
  after(async () => {
    await cluster?.cleanup();
  });

  test('writes through every node, read back from every node (linearizable and serializable)', async () => {
    for (const [i, n] of cluster.nodes.entries()) {
      const put = await request(n, 'PUT', `/kv/through-${i}`, { value: `v${i}` });
      assert.equal(put.status, 200, JSON.stringify(put.json));
      assert.equal(put.json.key, `through-${i}`);
      assert.equal(put.json.value, `v${i}`);
      assert.ok(Number.isSafeInteger(put.json.revision) && put.json.revision > 0);
      assert.equal(put.headers.get('x-raft-leader'), leader.spec.id);
      for (const m of cluster.nodes) {
        // Linearizable by default: a follower must see the write at once.
        const get = await request(m, 'GET', `/kv/through-${i}`);
        assert.equal(get.status, 200, `${m.spec.id}: ${JSON.stringify(get.json)}`);
        assert.deepEqual(get.json, { key: `through-${i}`, value: `v${i}`, revision: put.json.revision });
        assert.equal(get.headers.get('x-raft-node'), m.spec.id);
      }
    }
    // Serializable reads are local: eventually every replica has applied the write.
    for (const m of cluster.nodes) {
      await eventually(`serializable read on ${m.spec.id}`, async () => (await request(m, 'GET', '/kv/through-2?consistency=serializable')).status === 200);
    }
  });

  test('the tutorial form: POST /kv, GET /kv/:key, DELETE /kv/:key, GET /debug', async () => {
    const f = followers[0]!;
    const post = await request(f, 'POST', '/kv', { key: 'tutorial', value: 'hello' });
    assert.equal(post.status, 200);
    assert.equal(post.json.value, 'hello');
    assert.equal((await request(followers[1]!, 'GET', '/kv/tutorial')).json.value, 'hello');
    const del = await request(f, 'DELETE', '/kv/tutorial');
    assert.equal(del.status, 200);
    assert.equal(del.json.deleted, true);
    assert.ok(del.json.revision > post.json.revision);
    const again = await request(f, 'DELETE', '/kv/tutorial');
    assert.equal(again.json.deleted, false);
    const gone = await request(leader, 'GET', '/kv/tutorial');
    assert.equal(gone.status, 404);
    assert.equal(gone.json.code, 'KEY_NOT_FOUND');
    const d = await debug(f);
    assert.equal(d.state, 'follower');
    assert.equal(d.leaderId, leader.spec.id);
    for (const field of ['nodeId', 'state', 'term', 'leaderId', 'logLength', 'commitIndex', 'lastApplied']) assert.ok(field in d, field);
  });

  test('compare-and-set on value and on revision, through a follower', async () => {
    const f = followers[1]!;
    const first = await request(f, 'PUT', '/kv/cas?prevRevision=0', { value: 'a' });
    assert.equal(first.status, 200);
    const absentOnly = await request(f, 'PUT', '/kv/cas?prevRevision=0', { value: 'b' });
    assert.equal(absentOnly.status, 412);
    assert.equal(absentOnly.json.code, 'PRECONDITION_FAILED');
    assert.deepEqual(absentOnly.json.current, { value: 'a', revision: first.json.revision });
    const byValue = await request(f, 'PUT', '/kv/cas?prevValue=a', { value: 'b' });
    assert.equal(byValue.status, 200);
    const staleValue = await request(f, 'PUT', '/kv/cas?prevValue=a', { value: 'c' });
    assert.equal(staleValue.status, 412);
    const byRev = await request(f, 'PUT', `/kv/cas?prevRevision=${byValue.json.revision}`, { value: 'c' });
    assert.equal(byRev.status, 200);
    const delWrong = await request(f, 'DELETE', '/kv/cas?prevValue=zzz');
    assert.equal(delWrong.status, 412);
    assert.equal((await request(leader, 'GET', '/kv/cas')).json.value, 'c');
    const absent = await request(f, 'PUT', '/kv/never-there?prevValue=x', { value: 'y' });
    assert.equal(absent.status, 412);
    assert.equal(absent.json.current, null);
  });

  test('a CAS race between many clients on all nodes has exactly one winner', async () => {
    await request(leader, 'PUT', '/kv/race', { value: 'start' });
    const attempts = Array.from({ length: 30 }, (_, i) =>
      request(cluster.nodes[i % 3]!, 'PUT', '/kv/race?prevValue=start', { value: `winner-${i}` }),
    );
    const results = await Promise.all(attempts);
    const winners = results.filter((r) => r.status === 200);
    const losers = results.filter((r) => r.status === 412);
    assert.equal(winners.length, 1, JSON.stringify(results.map((r) => r.status)));
    assert.equal(losers.length, 29);
    const final = await request(followers[0]!, 'GET', '/kv/race');
    assert.equal(final.json.value, winners[0]!.json.value);
  });

  test('prefix listing is sorted, limited, and reports more', async () => {
    for (const k of ['ls/c', 'ls/a', 'ls/b', 'lt/x']) await request(leader, 'PUT', `/kv/${encodeURIComponent(k)}`, { value: k });
    const all = await request(followers[0]!, 'GET', '/kv?prefix=ls%2F');
    assert.equal(all.status, 200);
    assert.deepEqual(all.json.items.map((i: { key: string }) => i.key), ['ls/a', 'ls/b', 'ls/c']);
    assert.equal(all.json.more, false);
    const two = await request(followers[1]!, 'GET', '/kv?prefix=ls%2F&limit=2');
    assert.deepEqual(two.json.items.map((i: { key: string }) => i.key), ['ls/a', 'ls/b']);
    assert.equal(two.json.more, true);
  });

  test('bad requests get the documented error and change nothing', async () => {
    const before = await debug(leader);
    const cases: Array<[string, string, unknown, number, string]> = [
      ['PUT', '/kv/k', '{not json', 400, 'INVALID_REQUEST'],
      ['PUT', '/kv/k', { value: 5 }, 400, 'INVALID_REQUEST'],
      ['PUT', '/kv/k', {}, 400, 'INVALID_REQUEST'],
      ['POST', '/kv', { key: '', value: 'x' }, 400, 'INVALID_REQUEST'],
      ['POST', '/kv', { key: 7, value: 'x' }, 400, 'INVALID_REQUEST'],
      ['PUT', '/kv/%E0%A4%A', { value: 'x' }, 400, 'INVALID_REQUEST'],
      ['PUT', '/kv/k?prevRevision=-1', { value: 'x' }, 400, 'INVALID_REQUEST'],
      ['PUT', '/kv/k?bogus=1', { value: 'x' }, 400, 'INVALID_REQUEST'],
      ['GET', '/kv/k?consistency=sometimes', undefined, 400, 'INVALID_REQUEST'],
      ['GET', '/kv?prefix=a&limit=0', undefined, 400, 'INVALID_REQUEST'],
      ['PUT', `/kv/${'k'.repeat(4097)}`, { value: 'x' }, 413, 'TOO_LARGE'],
      ['PUT', '/kv/big', { value: 'x'.repeat(1024 * 1024 + 1) }, 413, 'TOO_LARGE'],
    ];
    for (const [method, path, body, status, code] of cases) {
      for (const n of [leader, followers[0]!]) {
        const r = await request(n, method, path, body);
        assert.equal(r.status, status, `${method} ${path.slice(0, 40)} on ${n.spec.id}: ${JSON.stringify(r.json)}`);
        assert.equal(r.json.code, code);
        assert.equal(typeof r.json.error, 'string');
      }
    }
    const afterwards = await debug(leader);
    // Nothing was proposed: the log did not grow.
    assert.equal(afterwards.logLength, before.logLength);
  });

  test('/cluster, /health and /metrics', async () => {
    const c = await request(followers[0]!, 'GET', '/cluster');
    assert.equal(c.status, 200);
    assert.equal(c.json.leaderId, leader.spec.id);
    assert.equal(c.json.members.length, 3);
    for (const n of cluster.nodes) assert.equal((await request(n, 'GET', '/health')).status, 200);
    const m = await fetch(`${leader.url}/metrics`);
    const text = await m.text();
    assert.equal(m.status, 200);
    for (const name of ['raftkv_term', 'raftkv_commit_index', 'raftkv_applied_index', 'raftkv_fsync_seconds_bucket', 'raftkv_proposals_total']) {
      assert.ok(text.includes(name), name);
    }
  });

  test('a retried write with the same Idempotency-Key applies once, even across a leader kill', async () => {
    const key = `idem-${process.pid}`;
    const headers = { 'idempotency-key': key };
    await request(leader, 'PUT', '/kv/counter', { value: '0' });
    const first = await request(followers[0]!, 'PUT', '/kv/counter?prevValue=0', { value: '1' }, 5000, headers);
    assert.equal(first.status, 200);
    // The same request again: not re-applied (it would fail its precondition), answered with the first result.
    const retry = await request(followers[1]!, 'PUT', '/kv/counter?prevValue=0', { value: '1' }, 5000, headers);
    assert.equal(retry.status, 200, JSON.stringify(retry.json));
    assert.equal(retry.json.revision, first.json.revision);
    // Kill the leader; the new leader must remember the key too (it is replicated state).
    await leader.kill();
    const survivors = cluster.nodes.filter((n) => n !== leader);
    const newLeader = await cluster.waitForLeader(15_000, survivors);
    const afterKill = await eventually('retry after failover', async () => {
      const r = await request(newLeader, 'PUT', '/kv/counter?prevValue=0', { value: '1' }, 5000, headers);
      return r.status === 200 ? r : undefined;
    });
    assert.equal(afterKill.json.revision, first.json.revision);
    assert.equal((await request(survivors[0]!, 'GET', '/kv/counter')).json.value, '1');
    // Bring the old leader back for the tests that follow.
    leader.start();
    leader = await cluster.waitForLeader();
    followers = cluster.nodes.filter((n) => n !== leader);
  });

  test('the raftkv command against the live cluster', () => {
    const endpoints = cluster.nodes.map((n) => n.url).join(',');
    const run = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args, '--endpoints', endpoints], { encoding: 'utf8', timeout: 20_000 });
    const put = run('put', 'cli-key', 'cli-value');
    assert.equal(put.status, 0, put.stderr);
    const get = run('get', 'cli-key');
    assert.equal(get.status, 0, get.stderr);
    assert.match(get.stdout, /cli-value/);
    const json = run('get', 'cli-key', '--json');
    assert.equal(JSON.parse(json.stdout).value, 'cli-value');
    const list = run('list', 'cli-');
    assert.match(list.stdout, /cli-key/);
    const status = run('status');
    assert.equal(status.status, 0, status.stderr);
    for (const n of cluster.nodes) assert.match(status.stdout, new RegExp(n.spec.id));
    const del = run('del', 'cli-key');
    assert.equal(del.status, 0, del.stderr);
    const missing = run('get', 'cli-key');
    assert.notEqual(missing.status, 0);
    assert.match(missing.stderr, /KEY_NOT_FOUND/);
  });
});
