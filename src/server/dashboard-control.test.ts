import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CONTROL_ENV, CONTROL_TOKEN_ENV, ControlLink, serveControl, type ControlAction } from './dashboard-control.js';

test('controls are off unless the environment names a supervisor on this machine', () => {
  assert.equal(ControlLink.fromEnv({}), null);
  assert.equal(ControlLink.fromEnv({ [CONTROL_ENV]: 'http://10.0.0.5:9000' }), null);
  assert.equal(ControlLink.fromEnv({ [CONTROL_ENV]: 'https://127.0.0.1:9000' }), null);
  assert.equal(ControlLink.fromEnv({ [CONTROL_ENV]: 'not a url' }), null);
  assert.notEqual(ControlLink.fromEnv({ [CONTROL_ENV]: 'http://127.0.0.1:9000' }), null);
});

test('the supervisor endpoint checks the token and relays actions', async (t) => {
  const done: string[] = [];
  const control = await serveControl({
    processes: () => ({ n1: { state: 'running', pid: 42 } }),
    act: async (action: ControlAction, node: string) => {
      if (node === 'nope') throw new Error('no node nope');
      done.push(`${action} ${node}`);
      return `${action} ${node} done`;
    },
  }, 'secret');
  t.after(() => control.close());

  const link = ControlLink.fromEnv({ [CONTROL_ENV]: control.url, [CONTROL_TOKEN_ENV]: 'secret' })!;
  assert.deepEqual(await link.processes(1000), { n1: { state: 'running', pid: 42 } });
  assert.deepEqual(await link.act('pause', 'n1'), { status: 200, body: { ok: true, message: 'pause n1 done' } });
  assert.deepEqual(await link.act('kill', 'nope'), { status: 409, body: { ok: false, message: 'no node nope' } });
  assert.deepEqual(done, ['pause n1']);

  const intruder = ControlLink.fromEnv({ [CONTROL_ENV]: control.url, [CONTROL_TOKEN_ENV]: 'guess' })!;
  assert.equal(await intruder.processes(1000), null);
  assert.equal((await intruder.act('kill', 'n1')).status, 403);
  assert.deepEqual(done, ['pause n1']);
});
