import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { NotLeaderError, TimeoutError, UnavailableError } from '../node/types.js';
import { nodeId } from '../raft/types.js';
import { FakeNode } from './testing/fake-node.js';
import { rawRequest, startTestServer, type TestServer } from './testing/http.js';

interface Answer {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

async function call(base: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const init: RequestInit = { method, headers };
  if (body !== undefined) init.body = typeof body === 'string' ? body : JSON.stringify(body);
  const res = await fetch(base + path, init);
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

describe('a leader serving the KV API', () => {
  const node = new FakeNode('node1');
  let srv: TestServer;
  before(async () => {
    srv = await startTestServer(node, { maxValueBytes: 64, maxBodyBytes: 1024 });
  });
  after(() => srv.close());

  test('PUT then GET returns the value and the revision, after a read barrier', async () => {
    const put = await call(srv.url, 'PUT', '/kv/greeting', { value: 'hello' }, { 'content-type': 'application/json' });
    assert.equal(put.status, 200);
    assert.deepEqual(put.body, { key: 'greeting', value: 'hello', revision: 1 });
    const barriers = node.readBarriers;
    const get = await call(srv.url, 'GET', '/kv/greeting');
    assert.equal(get.status, 200);
    assert.deepEqual(get.body, { key: 'greeting', value: 'hello', revision: 1 });
    assert.equal(node.readBarriers, barriers + 1);
    assert.equal(get.headers.get('content-type'), 'application/json');
  });

  test('every answer names the node, the leader and the term', async () => {
    const res = await call(srv.url, 'GET', '/kv/greeting');
    assert.equal(res.headers.get('x-raft-node'), 'node1');
    assert.equal(res.headers.get('x-raft-leader'), 'node1');
    assert.equal(res.headers.get('x-raft-term'), '1');
  });

  test('POST /kv without a Content-Type (the tutorial form) writes', async () => {
    const res = await fetch(srv.url + '/kv', { method: 'POST', body: '{"key":"a/b c","value":"v"}', headers: { 'content-type': 'text/plain' } });
    assert.equal(res.status, 200);
    const get = await call(srv.url, 'GET', '/kv/' + encodeURIComponent('a/b c'));
    assert.equal(get.body['value'], 'v');
  });

  test('serializable reads skip the read barrier', async () => {
    const barriers = node.readBarriers;
    const res = await call(srv.url, 'GET', '/kv/greeting?consistency=serializable');
    assert.equal(res.status, 200);
    assert.equal(node.readBarriers, barriers);
  });

  test('GET of an absent key is 404 KEY_NOT_FOUND', async () => {
    const res = await call(srv.url, 'GET', '/kv/nope');
    assert.equal(res.status, 404);
    assert.equal(res.body['code'], 'KEY_NOT_FOUND');
    assert.equal(typeof res.body['error'], 'string');
  });

  test('list by prefix is sorted, limited, and says when there is more', async () => {
    for (const k of ['p/3', 'p/1', 'p/2', 'q/1']) await call(srv.url, 'PUT', `/kv/${encodeURIComponent(k)}`, { value: k });
    const res = await call(srv.url, 'GET', '/kv?prefix=p%2F&limit=2');
    assert.equal(res.status, 200);
    assert.deepEqual((res.body['items'] as { key: string }[]).map((i) => i.key), ['p/1', 'p/2']);
    assert.equal(res.body['more'], true);
    const all = await call(srv.url, 'GET', '/kv?prefix=p/');
    assert.equal((all.body['items'] as unknown[]).length, 3);
    assert.equal(all.body['more'], false);
  });

  test('DELETE reports whether the key existed', async () => {
    await call(srv.url, 'PUT', '/kv/doomed', { value: 'x' });
    const first = await call(srv.url, 'DELETE', '/kv/doomed');
    assert.equal(first.status, 200);
    assert.equal(first.body['deleted'], true);
    assert.equal(typeof first.body['revision'], 'number');
    const second = await call(srv.url, 'DELETE', '/kv/doomed');
    assert.equal(second.body['deleted'], false);
  });

  test('compare-and-set: prevValue and prevRevision, 412 with the current value', async () => {
    const put = await call(srv.url, 'PUT', '/kv/cas', { value: 'one' });
    const rev = put.body['revision'] as number;
    const wrong = await call(srv.url, 'PUT', '/kv/cas?prevValue=zero', { value: 'two' });
    assert.equal(wrong.status, 412);
    assert.equal(wrong.body['code'], 'PRECONDITION_FAILED');
    assert.deepEqual(wrong.body['current'], { value: 'one', revision: rev });
    const right = await call(srv.url, 'PUT', `/kv/cas?prevRevision=${rev}`, { value: 'two' });
    assert.equal(right.status, 200);
    const absentOnly = await call(srv.url, 'PUT', '/kv/cas-new?prevRevision=0', { value: 'x' });
    assert.equal(absentOnly.status, 200);
    const absentMissing = await call(srv.url, 'DELETE', '/kv/never?prevValue=x');
    assert.equal(absentMissing.status, 412);
    assert.equal(absentMissing.body['current'], null);
  });

  test('Idempotency-Key reaches the command and a retry gets the first result', async () => {
    const headers = { 'idempotency-key': 'k-123' };
    const first = await call(srv.url, 'PUT', '/kv/once', { value: '1' }, headers);
    const retry = await call(srv.url, 'PUT', '/kv/once', { value: '1' }, headers);
    assert.deepEqual(retry.body, first.body);
    assert.equal(node.proposed.at(-1)?.idempotencyKey, 'k-123');
  });

  describe('rejects bad requests with the documented error and changes nothing', () => {
    const big = 'k'.repeat(4097);
    const cases: { name: string; method: string; path: string; body?: string; headers?: Record<string, string>; status: number; code: string }[] = [
      { name: 'malformed JSON', method: 'PUT', path: '/kv/a', body: '{"value":', status: 400, code: 'INVALID_REQUEST' },
      { name: 'empty body', method: 'PUT', path: '/kv/a', body: '', status: 400, code: 'INVALID_REQUEST' },
      { name: 'body not an object', method: 'PUT', path: '/kv/a', body: '"x"', status: 400, code: 'INVALID_REQUEST' },
      { name: 'value not a string', method: 'PUT', path: '/kv/a', body: '{"value":1}', status: 400, code: 'INVALID_REQUEST' },
      { name: 'value null', method: 'PUT', path: '/kv/a', body: '{"value":null}', status: 400, code: 'INVALID_REQUEST' },
      { name: 'missing value', method: 'PUT', path: '/kv/a', body: '{}', status: 400, code: 'INVALID_REQUEST' },
      { name: 'POST key not a string', method: 'POST', path: '/kv', body: '{"key":1,"value":"v"}', status: 400, code: 'INVALID_REQUEST' },
      { name: 'POST missing key', method: 'POST', path: '/kv', body: '{"value":"v"}', status: 400, code: 'INVALID_REQUEST' },
      { name: 'POST empty key', method: 'POST', path: '/kv', body: '{"key":"","value":"v"}', status: 400, code: 'INVALID_REQUEST' },
      { name: 'empty key in the path', method: 'PUT', path: '/kv/', body: '{"value":"v"}', status: 400, code: 'INVALID_REQUEST' },
      { name: 'key over 4 KiB', method: 'PUT', path: `/kv/${big}`, body: '{"value":"v"}', status: 413, code: 'TOO_LARGE' },
      { name: 'POST key over 4 KiB', method: 'POST', path: '/kv', body: JSON.stringify({ key: big, value: 'v' }), status: 413, code: 'TOO_LARGE' },
      { name: 'value over the limit', method: 'PUT', path: '/kv/a', body: JSON.stringify({ value: 'v'.repeat(65) }), status: 413, code: 'TOO_LARGE' },
      { name: 'value over the limit in UTF-8 bytes', method: 'PUT', path: '/kv/a', body: JSON.stringify({ value: 'é'.repeat(33) }), status: 413, code: 'TOO_LARGE' },
      { name: 'body over the limit', method: 'PUT', path: '/kv/a', body: JSON.stringify({ value: 'v', pad: 'x'.repeat(2000) }), status: 413, code: 'TOO_LARGE' },
      { name: 'bad percent-encoding', method: 'PUT', path: '/kv/%E0%A4%A', body: '{"value":"v"}', status: 400, code: 'INVALID_REQUEST' },
      { name: 'unknown query parameter', method: 'PUT', path: '/kv/a?prevVal=x', body: '{"value":"v"}', status: 400, code: 'INVALID_REQUEST' },
      { name: 'repeated query parameter', method: 'PUT', path: '/kv/a?prevValue=x&prevValue=y', body: '{"value":"v"}', status: 400, code: 'INVALID_REQUEST' },
      { name: 'prevRevision negative', method: 'PUT', path: '/kv/a?prevRevision=-1', body: '{"value":"v"}', status: 400, code: 'INVALID_REQUEST' },
      { name: 'prevRevision fractional', method: 'DELETE', path: '/kv/a?prevRevision=1.5', status: 400, code: 'INVALID_REQUEST' },
      { name: 'prevRevision empty', method: 'DELETE', path: '/kv/a?prevRevision=', status: 400, code: 'INVALID_REQUEST' },
      { name: 'Idempotency-Key too long', method: 'PUT', path: '/kv/a', body: '{"value":"v"}', headers: { 'idempotency-key': 'i'.repeat(257) }, status: 400, code: 'INVALID_REQUEST' },
      { name: 'limit zero', method: 'GET', path: '/kv?limit=0', status: 400, code: 'INVALID_REQUEST' },
      { name: 'limit not a number', method: 'GET', path: '/kv?limit=ten', status: 400, code: 'INVALID_REQUEST' },
      { name: 'unknown consistency', method: 'GET', path: '/kv/a?consistency=eventual', status: 400, code: 'INVALID_REQUEST' },
      { name: 'unknown list parameter', method: 'GET', path: '/kv?from=a', status: 400, code: 'INVALID_REQUEST' },
      { name: 'unknown route', method: 'GET', path: '/nope', status: 404, code: 'NOT_FOUND' },
      { name: 'wrong method', method: 'PATCH', path: '/kv/a', body: '{"value":"v"}', status: 405, code: 'METHOD_NOT_ALLOWED' },
    ];
    for (const c of cases) {
      test(c.name, async () => {
        const proposed = node.proposed.length;
        const body = c.body ?? '';
        const head =
          `${c.method} ${c.path} HTTP/1.1\r\nHost: x\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
          Object.entries(c.headers ?? {}).map(([k, v]) => `${k}: ${v}\r\n`).join('') + '\r\n';
        const res = await rawRequest(srv.port, head, body);
        assert.ok(res, 'no response');
        assert.equal(res.status, c.status, res.body);
        const parsed = JSON.parse(res.body) as Record<string, unknown>;
        assert.equal(parsed['code'], c.code);
        assert.equal(typeof parsed['error'], 'string');
        assert.equal(node.proposed.length, proposed, 'nothing reached the node');
      });
    }
  });

  test('a chunked body over the limit is cut off with 413', async () => {
    const proposed = node.proposed.length;
    const chunk = 'x'.repeat(600);
    const head = 'PUT /kv/a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n';
    const body = `${(chunk.length).toString(16)}\r\n${chunk}\r\n`.repeat(2);
    const res = await rawRequest(srv.port, head, body);
    assert.equal(res?.status, 413);
    assert.equal(res?.headers.get('connection'), 'close');
    assert.equal(node.proposed.length, proposed);
  });

  test('a declared Content-Length over the limit is refused before reading', async () => {
    const res = await rawRequest(srv.port, 'PUT /kv/a HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n');
    assert.equal(res?.status, 413);
  });

  test('a client that aborts mid-body changes nothing', async () => {
    const proposed = node.proposed.length;
    const res = await rawRequest(srv.port, 'PUT /kv/torn HTTP/1.1\r\nHost: x\r\nContent-Length: 40\r\n\r\n', '{"value":"half', { endAfterMs: 30 });
    assert.equal(res, null);
    await new Promise((r) => setTimeout(r, 30));
    assert.equal(node.proposed.length, proposed);
    assert.equal(node.get('torn'), undefined);
  });

  test('GET /debug has the documented fields', async () => {
    const res = await call(srv.url, 'GET', '/debug');
    assert.equal(res.status, 200);
    for (const field of ['nodeId', 'state', 'term', 'leaderId', 'logLength', 'commitIndex', 'lastApplied']) {
      assert.ok(field in res.body, field);
    }
    assert.equal(res.body['state'], 'leader');
  });

  test('GET /cluster lists the members and the leader', async () => {
    const res = await call(srv.url, 'GET', '/cluster');
    assert.equal(res.body['leaderId'], 'node1');
    assert.ok(Array.isArray(res.body['members']));
  });

  test('GET /health is 200 with a leader', async () => {
    const res = await call(srv.url, 'GET', '/health');
    assert.equal(res.status, 200);
  });

  test('GET /metrics counts requests by route and status', async () => {
    const res = await fetch(srv.url + '/metrics');
    const text = await res.text();
    assert.equal(res.status, 200);
    assert.match(text, /raftkv_http_requests_total\{method="GET",route="kv_key",status="200"\} \d+/);
    assert.match(text, /raftkv_http_request_duration_seconds_bucket/);
  });

  test('GET / serves the dashboard', async () => {
    const res = await fetch(srv.url + '/');
    assert.match(res.headers.get('content-type') ?? '', /text\/html/);
    assert.match(await res.text(), /raftkv/);
  });

  test('the node being unavailable is 503 with Retry-After; a timeout is 504', async () => {
    node.proposeError = new UnavailableError('no quorum');
    const unavailable = await call(srv.url, 'PUT', '/kv/a', { value: 'v' });
    assert.equal(unavailable.status, 503);
    assert.equal(unavailable.body['code'], 'UNAVAILABLE');
    assert.equal(unavailable.headers.get('retry-after'), '1');
    node.proposeError = new TimeoutError('commit took too long');
    const timeout = await call(srv.url, 'PUT', '/kv/a', { value: 'v' });
    assert.equal(timeout.status, 504);
    assert.equal(timeout.body['code'], 'TIMEOUT');
    node.proposeError = new Error('a bug');
    const internal = await call(srv.url, 'PUT', '/kv/a', { value: 'v' });
    assert.equal(internal.status, 500);
    assert.equal(internal.body['code'], 'INTERNAL');
    node.proposeError = null;
  });

  test('Upgrade on /raft/peer is handed to the node', async () => {
    const before = node.peerUpgrades;
    const res = await rawRequest(srv.port, 'GET /raft/peer HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: raft\r\n\r\n');
    assert.equal(res?.status, 101);
    assert.equal(node.peerUpgrades, before + 1);
  });
});

describe('a slow client', () => {
  const node = new FakeNode('node1');
  let srv: TestServer;
  before(async () => {
    srv = await startTestServer(node, { bodyTimeoutMs: 200 });
  });
  after(() => srv.close());

  test('that never finishes its body gets 408 and nothing is applied', async () => {
    const res = await rawRequest(srv.port, 'PUT /kv/slow HTTP/1.1\r\nHost: x\r\nContent-Length: 40\r\n\r\n', '{"value":');
    assert.equal(res?.status, 408);
    assert.equal(node.proposed.length, 0);
  });
});

describe('a follower', () => {
  const leader = new FakeNode('node1');
  const follower = new FakeNode('node2');
  const orphan = new FakeNode('node3').follow(null, null);
  let leaderSrv: TestServer;
  let followerSrv: TestServer;
  let orphanSrv: TestServer;
  before(async () => {
    leaderSrv = await startTestServer(leader);
    followerSrv = await startTestServer(follower, { forwardTimeoutMs: 300 });
    orphanSrv = await startTestServer(orphan);
    follower.follow('node1', leaderSrv.address);
  });
  after(async () => {
    await Promise.all([leaderSrv.close(), followerSrv.close(), orphanSrv.close()]);
  });

  test('forwards a write to the leader and relays its answer', async () => {
    const res = await call(followerSrv.url, 'PUT', '/kv/fwd', { value: 'v' }, { 'idempotency-key': 'client-key' });
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { key: 'fwd', value: 'v', revision: 1 });
    assert.equal(res.headers.get('x-raft-node'), 'node1');
    assert.equal(res.headers.get('x-raft-forwarded-by'), 'node2');
    assert.equal(leader.proposed.at(-1)?.idempotencyKey, 'client-key');
    assert.equal(follower.proposed.length, 0);
  });

  test('gives a forwarded write without an Idempotency-Key one of its own', async () => {
    await call(followerSrv.url, 'POST', '/kv', { key: 'k', value: 'v' });
    assert.match(leader.proposed.at(-1)?.idempotencyKey ?? '', /^fwd-/);
  });

  test('relays the leader errors as they are', async () => {
    const res = await call(followerSrv.url, 'PUT', '/kv/fwd?prevValue=nope', { value: 'w' });
    assert.equal(res.status, 412);
    assert.deepEqual(res.body['current'], { value: 'v', revision: 1 });
  });

  test('serves linearizable reads itself when its read barrier works', async () => {
    const res = await call(followerSrv.url, 'GET', '/kv/fwd');
    assert.equal(res.status, 404, 'the fake follower has its own (empty) store');
    assert.equal(res.headers.get('x-raft-node'), 'node2');
  });

  test('forwards a linearizable read when its read barrier says not leader', async () => {
    follower.readBarrierError = new NotLeaderError(nodeId('node1'), leaderSrv.address);
    const res = await call(followerSrv.url, 'GET', '/kv/fwd');
    follower.readBarrierError = null;
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-raft-node'), 'node1');
  });

  test('never forwards a serializable read', async () => {
    follower.readBarrierError = new NotLeaderError(nodeId('node1'), leaderSrv.address);
    const res = await call(followerSrv.url, 'GET', '/kv/fwd?consistency=serializable');
    follower.readBarrierError = null;
    assert.equal(res.status, 404);
    assert.equal(res.headers.get('x-raft-node'), 'node2');
  });

  test('answers a request that was already forwarded with 503 instead of forwarding again', async () => {
    const res = await call(followerSrv.url, 'PUT', '/kv/loop', { value: 'v' }, { 'x-raft-forwarded-by': 'node3' });
    assert.equal(res.status, 503);
    assert.equal(res.body['code'], 'UNAVAILABLE');
    assert.ok(res.headers.get('retry-after'));
    assert.equal(leader.get('loop'), undefined);
  });

  test('without a known leader answers 503 with Retry-After', async () => {
    const res = await call(orphanSrv.url, 'PUT', '/kv/x', { value: 'v' });
    assert.equal(res.status, 503);
    assert.ok(res.headers.get('retry-after'));
    const health = await call(orphanSrv.url, 'GET', '/health');
    assert.equal(health.status, 503);
    assert.equal(health.body['code'], 'UNAVAILABLE');
  });

  test('a leader that refuses connections is 503: the write was surely not sent', async () => {
    const gone = new FakeNode('node4').follow('node9', '127.0.0.1:1');
    const srv = await startTestServer(gone);
    try {
      const res = await call(srv.url, 'PUT', '/kv/x', { value: 'v' });
      assert.equal(res.status, 503);
      assert.equal(res.body['code'], 'UNAVAILABLE');
    } finally {
      await srv.close();
    }
  });

  test('a leader that does not answer a forwarded write in time is 504: the outcome is unknown', async () => {
    leader.proposeDelayMs = 1_000;
    leader.readBarrierError = null;
    const write = await call(followerSrv.url, 'PUT', '/kv/slow', { value: 'v' });
    assert.equal(write.status, 504);
    assert.equal(write.body['code'], 'TIMEOUT');
    leader.proposeDelayMs = 0;
  });
});

describe('graceful stop', () => {
  test('counts in-flight requests so a stop can wait for them', async () => {
    const node = new FakeNode('node1');
    node.proposeDelayMs = 100;
    const srv = await startTestServer(node);
    try {
      const pending = call(srv.url, 'PUT', '/kv/a', { value: 'v' });
      await new Promise((r) => setTimeout(r, 40));
      assert.equal(srv.server.inFlightRequests(), 1);
      srv.server.close(); // no new connections; the in-flight request still completes
      assert.equal((await pending).status, 200);
      assert.equal(srv.server.inFlightRequests(), 0);
    } finally {
      await srv.close();
    }
  });
});
