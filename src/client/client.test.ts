import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { KvCommand, KvResult } from '../kv/command.js';
import { TimeoutError as NodeTimeoutError, UnavailableError as NodeUnavailableError } from '../node/types.js';
import { FakeNode } from '../server/testing/fake-node.js';
import { startTestServer, type TestServer } from '../server/testing/http.js';
import { RaftKvClient } from './client.js';
import { InvalidRequestError, KeyNotFoundError, PreconditionFailedError, TimeoutError, TooLargeError, UnavailableError } from './errors.js';

/** Applies the first write it sees and then reports a timeout, as a leader that lost its lease might. */
class AppliesThenTimesOut extends FakeNode {
  timeoutsLeft = 1;
  override async propose(cmd: Omit<KvCommand, 'time'>): Promise<KvResult> {
    const result = await super.propose(cmd);
    if (this.timeoutsLeft-- > 0) throw new NodeTimeoutError('commit not confirmed in time');
    return result;
  }
}

describe('RaftKvClient against one node', () => {
  const node = new FakeNode('node1');
  let srv: TestServer;
  let client: RaftKvClient;
  before(async () => {
    srv = await startTestServer(node, { maxValueBytes: 32 });
    client = new RaftKvClient({ endpoints: [srv.url], timeoutMs: 1_000, retries: 1, backoffMs: 1 });
  });
  after(async () => {
    client.close();
    await srv.close();
  });

  test('put, get, list, delete', async () => {
    const put = await client.put('a b/c', 'v1');
    assert.deepEqual(put, { key: 'a b/c', value: 'v1', revision: 1 });
    assert.deepEqual(await client.get('a b/c'), put);
    assert.deepEqual(await client.get('a b/c', { consistency: 'serializable' }), put);
    await client.put('a b/d', 'v2');
    const listed = await client.list({ prefix: 'a b/', limit: 1 });
    assert.equal(listed.items.length, 1);
    assert.equal(listed.more, true);
    assert.equal((await client.delete('a b/c')).deleted, true);
    await assert.rejects(client.get('a b/c'), (err: unknown) => err instanceof KeyNotFoundError && err.code === 'KEY_NOT_FOUND' && err.key === 'a b/c');
  });

  test('cas: PreconditionFailedError carries the current value', async () => {
    const first = await client.put('cas', 'one');
    await assert.rejects(client.cas('cas', 'two', { prevValue: 'zero' }), (err: unknown) => {
      assert.ok(err instanceof PreconditionFailedError);
      assert.equal(err.code, 'PRECONDITION_FAILED');
      assert.deepEqual(err.current, { value: 'one', revision: first.revision });
      return true;
    });
    assert.equal((await client.cas('cas', 'two', { prevRevision: first.revision })).value, 'two');
  });

  test('typed errors for invalid and oversized requests', async () => {
    await assert.rejects(client.put('', 'v'), InvalidRequestError);
    await assert.rejects(client.put('k', 'v'.repeat(33)), TooLargeError);
    await assert.rejects(client.list({ limit: 0 }), InvalidRequestError);
  });

  test('every write carries an Idempotency-Key', async () => {
    await client.put('idem', 'v');
    assert.match(node.proposed.at(-1)?.idempotencyKey ?? '', /^[0-9a-f-]{36}$/);
    await client.put('idem', 'v', { idempotencyKey: 'mine' });
    assert.equal(node.proposed.at(-1)?.idempotencyKey, 'mine');
  });

  test('UNAVAILABLE after the last retry surfaces as UnavailableError', async () => {
    node.proposeError = new NodeUnavailableError('no quorum');
    await assert.rejects(client.put('k', 'v'), (err: unknown) => err instanceof UnavailableError && err.status === 503);
    node.proposeError = null;
  });
});

describe('RaftKvClient retries', () => {
  const servers: TestServer[] = [];
  const clients: RaftKvClient[] = [];
  after(async () => {
    for (const c of clients) c.close();
    await Promise.all(servers.map((s) => s.close()));
  });
  const start = async (node: FakeNode): Promise<TestServer> => {
    const s = await startTestServer(node);
    servers.push(s);
    return s;
  };
  const clientOf = (endpoints: string[], retries = 3): RaftKvClient => {
    const c = new RaftKvClient({ endpoints, timeoutMs: 1_000, retries, backoffMs: 1 });
    clients.push(c);
    return c;
  };

  test('a refused connection moves on to the next endpoint', async () => {
    const live = await start(new FakeNode('node1'));
    const client = clientOf(['http://127.0.0.1:1', live.url]);
    assert.equal((await client.put('k', 'v')).value, 'v');
  });

  test('a node without quorum (503) moves on to the next endpoint', async () => {
    const sick = new FakeNode('node1');
    sick.proposeError = new NodeUnavailableError('no quorum');
    const healthy = new FakeNode('node2');
    const client = clientOf([(await start(sick)).url, (await start(healthy)).url]);
    await client.put('k', 'v');
    assert.equal(healthy.get('k')?.value, 'v');
  });

  test('a TIMEOUT is retried with the same Idempotency-Key: applied exactly once', async () => {
    const node = new AppliesThenTimesOut('node1');
    const client = clientOf([(await start(node)).url]);
    const result = await client.put('once', 'v');
    assert.equal(node.proposed.length, 2, 'the first attempt and its retry');
    assert.equal(node.proposed[0]?.idempotencyKey, node.proposed[1]?.idempotencyKey);
    assert.equal(result.revision, 1, 'the retry got the first result');
  });

  test('a TIMEOUT on every attempt surfaces as TimeoutError', async () => {
    const node = new AppliesThenTimesOut('node1');
    node.timeoutsLeft = 10;
    const client = clientOf([(await start(node)).url], 1);
    await assert.rejects(client.put('k', 'v'), (err: unknown) => err instanceof TimeoutError && err.code === 'TIMEOUT');
  });

  test('writes go straight to the leader once its endpoint is known', async () => {
    const leader = new FakeNode('node1');
    const follower = new FakeNode('node2');
    const leaderSrv = await start(leader);
    const followerSrv = await start(follower);
    follower.follow('node1', leaderSrv.address);
    const client = clientOf([followerSrv.url, leaderSrv.url]);
    await client.put('a', '1');
    assert.equal(follower.proposeCalls, 1, 'the first write went through the follower');
    await new Promise((r) => setTimeout(r, 50)); // background discovery of who is who
    await client.put('b', '2');
    await client.put('c', '3');
    assert.equal(follower.proposeCalls, 1, 'later writes skipped the follower');
    assert.equal(leader.get('c')?.value, '3');
  });
});
