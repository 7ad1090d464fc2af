// The dashboard in a real browser (Debian's chromium driven by playwright-core): a three-node
// cluster, the page of a follower, a key put through the page, the leader killed.
// UPDATE_SCREENSHOT=1 rewrites docs/dashboard.png; otherwise it is written only when missing.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { Cluster, request, sleep, type ClusterNode } from '../harness.js';

const CHROMIUM = '/usr/bin/chromium';
const ROOT = resolve(fileURLToPath(new URL('../../../../', import.meta.url)));
const SCREENSHOT = join(ROOT, 'docs/dashboard.png');
const skip = existsSync(CHROMIUM) ? false : `${CHROMIUM} is not installed (apt-get install chromium); skipping the browser tests`;

let cluster: Cluster | null = null;
let browser: Browser | null = null;
let page: Page;
let leader: ClusterNode;
let watched: ClusterNode;
const pageErrors: string[] = [];

before(async () => {
  if (skip) return;
  cluster = await Cluster.create({ size: 3 });
  cluster.startAll();
  leader = await cluster.waitForLeader();
  watched = cluster.nodes.find((n) => n !== leader)!;
  const { chromium } = await import('playwright-core');
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
    // launch() (not a persistent context) gives chromium a fresh temporary profile of its own.
  });
  page = await browser.newPage({ viewport: { width: 1280, height: 760 } });
  page.on('pageerror', (err) => pageErrors.push(err.message));
  await page.goto(`${watched.url}/`);
});

after(async () => {
  await browser?.close().catch(() => undefined);
  await cluster?.cleanup();
});

test('the dashboard shows three members and one leader', { skip, timeout: 15_000 }, async () => {
  await page.waitForSelector('#members .member[data-id]', { timeout: 5_000 });
  await page.waitForFunction(() => document.querySelectorAll('#members .member[data-id][data-role]:not(.down)').length === 3, null, { timeout: 5_000 });
  assert.equal(await page.locator('#members .member').count(), 3);
  const leaders = page.locator('#members .member.leader');
  assert.equal(await leaders.count(), 1);
  assert.equal(await leaders.getAttribute('data-id'), leader.spec.id);
  assert.equal(await page.locator('#leader-name').textContent(), leader.spec.id);
  assert.equal(await page.locator('#served').textContent(), watched.spec.id);
});

test('a key put through the page is listed, with its revision and the node that answered', { skip, timeout: 15_000 }, async () => {
  await page.fill('#kv-key', 'dash/greeting');
  await page.fill('#kv-value', 'hello from the browser');
  await page.click('#kv-put');
  await page.waitForSelector('#kv-rows tr[data-key="dash/greeting"]', { timeout: 5_000 });
  const result = await page.locator('#kv-result').textContent();
  assert.match(result ?? '', /revision \d+/);
  // The page's node is a follower: it forwards the write, and the leader's answer names the leader.
  assert.equal(await page.locator('#kv-result .answered-by').textContent(), leader.spec.id);
  assert.match(result ?? '', new RegExp(`forwarded by ${watched.spec.id}`));
  const stored = await request(leader, 'GET', '/kv/dash%2Fgreeting');
  assert.equal(stored.json.value, 'hello from the browser');

  await page.fill('#kv-prefix', 'dash/');
  await page.click('#kv-list');
  await page.waitForFunction(() => /key\(s\) with prefix "dash\/"/.test(document.getElementById('kv-result')?.textContent ?? ''), null, { timeout: 5_000 });
  assert.equal(await page.locator('#kv-rows tr[data-key]').count(), 1);
});

test('killing the leader shows a new leader within a few seconds', { skip, timeout: 20_000 }, async () => {
  await makeTraffic(watched, 1_500);
  const old = leader.spec.id;
  await leader.kill();
  const started = Date.now();
  await page.waitForFunction(
    (oldId) => {
      const el = document.querySelector('#members .member.leader');
      return el !== null && el.getAttribute('data-id') !== oldId && document.getElementById('leader-name')?.textContent === el.getAttribute('data-id');
    },
    old,
    { timeout: 8_000 },
  );
  const elected = Date.now() - started;
  await page.waitForSelector(`#members .member.down[data-id="${old}"]`, { timeout: 3_000 });
  console.log(`# the page showed a new leader ${elected} ms after the old one was killed`);

  if (process.env['UPDATE_SCREENSHOT'] === '1' || !existsSync(SCREENSHOT)) {
    await makeTraffic(watched, 6_000);
    mkdirSync(dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    console.log(`# wrote ${SCREENSHOT}`);
  }
  assert.deepEqual(pageErrors, [], 'the page script threw');
});

/** A little load so the charts have something to draw: bounded in time, local only. */
async function makeTraffic(node: ClusterNode, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  let i = 0;
  const worker = async (): Promise<void> => {
    while (Date.now() < deadline) {
      const n = i++;
      await request(node, 'PUT', `/kv/load%2F${n % 50}`, { value: `v${n}` }, 2_000).catch(() => undefined);
      await request(node, 'GET', `/kv/load%2F${n % 50}`, undefined, 2_000).catch(() => undefined);
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
  await sleep(500);
}
