import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ConfigError, ensureDataDir, parseServeConfig } from './config.js';

const membersOf = (argv: string[], env: Record<string, string> = {}): Record<string, string> =>
  Object.fromEntries(parseServeConfig(argv, env).node.members);

test('flags: the three-node local layout', () => {
  const c = parseServeConfig(['--id', 'node2', '--listen', '127.0.0.1:3002', '--peers', 'node1=127.0.0.1:3001,node2=127.0.0.1:3002,node3=127.0.0.1:3003', '--data-dir', 'data/n2'], {});
  assert.equal(c.node.id, 'node2');
  assert.equal(c.listenHost, '127.0.0.1');
  assert.equal(c.listenPort, 3002);
  assert.equal(c.node.members.size, 3);
  assert.equal(c.node.dataDir, resolve('data/n2'));
});

test('environment: the docker-compose tutorial form (NODE_ID, PEER_IDS, PORT)', () => {
  const c = parseServeConfig([], { NODE_ID: 'node1', PEER_IDS: 'node2:3000,node3:3000', PORT: '3000' });
  assert.equal(c.listenHost, '0.0.0.0');
  assert.equal(c.listenPort, 3000);
  assert.deepEqual(Object.fromEntries(c.node.members), { node2: 'node2:3000', node3: 'node3:3000', node1: 'node1:3000' });
  assert.equal(c.node.dataDir, resolve('data/node1'));
});

test('flags win over the environment; PEERS wins over PEER_IDS', () => {
  const c = parseServeConfig(['--id', 'a'], { NODE_ID: 'b', PEERS: 'a=10.0.0.1:1,b=10.0.0.2:1', PEER_IDS: 'x:1' });
  assert.equal(c.node.id, 'a');
  assert.deepEqual([...c.node.members.keys()], ['a', 'b']);
  assert.equal(c.listenHost, '10.0.0.1', 'listens on its own peer address when it is an IP literal');
  assert.equal(parseServeConfig(['--tick-ms=7'], { TICK_MS: '9' }).node.tickMs, 7);
});

test('a node missing from --peers is added with its listen address', () => {
  assert.deepEqual(membersOf(['--id', 'n3', '--listen', '127.0.0.1:3003', '--peers', 'n1=127.0.0.1:3001,n2=127.0.0.1:3002']), {
    n1: '127.0.0.1:3001', n2: '127.0.0.1:3002', n3: '127.0.0.1:3003',
  });
});

test('alone, a node is a one-member cluster with defaults', () => {
  const c = parseServeConfig([], {});
  assert.equal(c.node.id, 'node1');
  assert.deepEqual(Object.fromEntries(c.node.members), { node1: '127.0.0.1:3000' });
  assert.ok(c.node.heartbeatTicks < c.node.electionTicks);
  assert.equal(c.maxValueBytes, 1024 * 1024);
});

test('IPv6 addresses in brackets', () => {
  assert.deepEqual(membersOf(['--id', 'a', '--peers', 'a=[::1]:3001,b=[::1]:3002']), { a: '[::1]:3001', b: '[::1]:3002' });
});

test('clear errors for configurations that cannot work', () => {
  const cases: [string, string[], Record<string, string>, RegExp][] = [
    ['duplicate ids', ['--id', 'a', '--peers', 'a=h:1,a=h:2'], {}, /lists a more than once/],
    ['duplicate addresses', ['--id', 'a', '--peers', 'a=h:1,b=h:1'], {}, /same address h:1/],
    ['bad host:port', ['--id', 'a', '--peers', 'a=h'], {}, /not host:port/],
    ['port out of range', ['--listen', '127.0.0.1:70000'], {}, /not host:port/],
    ['peer port zero', ['--id', 'a', '--peers', 'a=h:0'], {}, /not host:port/],
    ['bad PORT', [], { PORT: 'eighty' }, /PORT must be a port number/],
    ['heartbeat >= election', ['--heartbeat-ticks', '10', '--election-ticks', '10'], {}, /fewer than election ticks/],
    ['non-numeric ticks', ['--tick-ms', 'fast'], {}, /--tick-ms must be an integer/],
    ['zero ticks', [], { TICK_MS: '0' }, /TICK_MS must be an integer >= 1/],
    ['peers without an id', ['--peers', 'a=h:1'], {}, /--id \(NODE_ID\) is required/],
    ['self not addable: ephemeral port', ['--id', 'c', '--listen', '127.0.0.1:0', '--peers', 'a=h:1'], {}, /ephemeral port/],
    ['self not addable: address taken', ['--id', 'c', '--listen', '127.0.0.1:1', '--peers', 'a=127.0.0.1:1'], {}, /already a's address/],
    ['bad node id', ['--id', 'a b'], {}, /not a valid node id/],
    ['unknown flag', ['--colour', 'x'], {}, /unknown flag --colour/],
    ['missing flag value', ['--id'], {}, /needs a value/],
    ['stray argument', ['extra'], {}, /unexpected argument/],
  ];
  for (const [name, argv, env, message] of cases) {
    assert.throws(() => parseServeConfig(argv, env), (err: unknown) => err instanceof ConfigError && message.test(err.message), name);
  }
});

test('ensureDataDir creates the directory, and refuses one that is not writable', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'raftkv-config-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  await ensureDataDir(join(root, 'a', 'b'));
  const file = join(root, 'file');
  writeFileSync(file, 'x');
  await assert.rejects(ensureDataDir(join(file, 'sub')), (err: unknown) => err instanceof ConfigError && /not writable/.test(err.message));
});
