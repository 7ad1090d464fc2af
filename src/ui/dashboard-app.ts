// The dashboard's browser script (served by the node at /ui/app.js). It listens to the node's
// Server-Sent Events and draws; it never calls other members: their data comes through the node.
// Type-only imports vanish when compiled, so this file stays a standalone browser module.
import type { ClusterView, MemberView, TimelineEvent } from '../server/dashboard-cluster.js';
import type { StatPoint } from '../server/dashboard-series.js';
import type { Hello } from '../server/events.js';

const CHART_WINDOW_S = 120;
const COMMIT_WINDOW_S = 60;
const STALE_AFTER_MS = 2_500;
const PALETTE = ['#2b6cb0', '#b83280', '#c05621', '#2f855a', '#6b46c1', '#00838f', '#975a16'];

const $ = <T extends HTMLElement = HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`missing #${id}`);
  return el as T;
};
const esc = (v: unknown): string => String(v ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

interface TermSample { t: number; term: number; leader: string | null }

const state = {
  hello: null as Hello | null,
  view: null as ClusterView | null,
  lastViewAt: 0,
  points: [] as StatPoint[],
  timeline: [] as TimelineEvent[],
  commits: new Map<string, Array<[number, number | null]>>(),
  terms: [] as TermSample[],
  colors: new Map<string, string>(),
  connected: false,
};

function colorOf(id: string): string {
  let c = state.colors.get(id);
  if (!c) {
    c = PALETTE[state.colors.size % PALETTE.length]!;
    state.colors.set(id, c);
  }
  return c;
}

// --- live updates -----------------------------------------------------------------------

function connect(): void {
  const source = new EventSource('/ui/events');
  source.addEventListener('hello', (e) => {
    const hello = JSON.parse((e as MessageEvent<string>).data) as Hello;
    state.hello = hello;
    state.connected = true;
    state.points = hello.history.points;
    state.timeline = hello.history.timeline;
    $('served').textContent = hello.nodeId;
    document.title = `raftkv · ${hello.nodeId}`;
    $('controls-note').hidden = !hello.controls;
    if (hello.view) onView(hello.view, false);
    render();
  });
  source.addEventListener('view', (e) => onView(JSON.parse((e as MessageEvent<string>).data) as ClusterView, true));
  source.addEventListener('error', () => {
    state.connected = false;
    renderHeader();
  });
}

function onView(view: ClusterView, fresh: boolean): void {
  state.view = view;
  state.lastViewAt = Date.now();
  state.connected = true;
  if (fresh) {
    state.points.push(...view.points);
    state.timeline.push(...view.events);
  }
  const t = view.at / 1000;
  for (const m of view.members) {
    colorOf(m.id);
    const series = state.commits.get(m.id) ?? [];
    series.push([t, m.reachable ? m.commitIndex : null]);
    while (series.length && series[0]![0] < t - COMMIT_WINDOW_S) series.shift();
    state.commits.set(m.id, series);
  }
  state.terms.push({ t, term: view.term, leader: view.leaderId });
  while (state.terms.length && state.terms[0]!.t < t - CHART_WINDOW_S) state.terms.shift();
  if (state.points.length > 400) state.points.splice(0, state.points.length - 400);
  if (state.timeline.length > 200) state.timeline.splice(0, state.timeline.length - 200);
  render();
}

// --- rendering ------------------------------------------------------------------------------

function render(): void {
  renderHeader();
  renderMembers();
  renderCharts();
  renderTimeline();
}

function renderHeader(): void {
  const view = state.view;
  const stale = !state.connected || Date.now() - state.lastViewAt > STALE_AFTER_MS;
  const conn = $('conn');
  conn.textContent = state.connected ? (stale ? 'stale' : 'live') : 'disconnected: retrying';
  conn.className = `pill ${state.connected && !stale ? 'ok' : 'bad'}`;
  const banner = $('banner');
  if (!state.connected) {
    $('members').classList.add('stale');
    const others = (view?.members ?? []).filter((m) => !m.self);
    banner.className = 'bad';
    banner.innerHTML = `lost the connection to ${esc(state.hello?.nodeId ?? 'this node')}; retrying. Other members' dashboards: ` +
      others.map((m) => `<a href="http://${esc(m.address)}/">${esc(m.id)}</a>`).join(' · ');
    return;
  }
  if (!view) return;
  $('members').classList.toggle('stale', stale);
  $('term').textContent = `term ${view.term}`;
  if (stale) {
    banner.className = 'bad';
    banner.textContent = `no update from ${view.nodeId} for ${ago(Date.now() - state.lastViewAt)}: the node is paused, overloaded or cut off from this browser; what is shown is its last view`;
    return;
  }
  banner.className = view.leaderId ? '' : 'bad';
  banner.innerHTML = view.leaderId
    ? `leader: <b id="leader-name">${esc(view.leaderId)}</b> in term ${view.term}` +
      (view.leaderId === view.nodeId ? ' (this node)' : ` — as ${esc(view.nodeId)} sees it`)
    : `<span id="leader-name"></span>no leader: ${esc(view.nodeId)} knows of none in term ${view.term} ` +
      `(an election is under way, or this node is cut off from a majority)`;
}

function ago(ms: number | null): string {
  if (ms === null) return '—';
  return ms < 1000 ? `${Math.round(ms)} ms` : ms < 120_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 60_000)} min`;
}

let lastMembersHtml = '';

function renderMembers(): void {
  const view = state.view;
  if (!view) return;
  const top = Math.max(1, ...view.members.map((m) => m.lastIndex ?? 0));
  const controls = state.hello?.controls ?? false;
  const html = view.members.map((m) => memberCard(m, view, top, controls)).join('');
  // Unchanged cards are left alone, so a button is not replaced under the pointer.
  if (html !== lastMembersHtml) $('members').innerHTML = html;
  lastMembersHtml = html;
}

function memberCard(m: MemberView, view: ClusterView, top: number, controls: boolean): string {
  const leader = m.id === view.leaderId;
  const proc = m.process;
  const health = proc?.state === 'stopped' ? ['bad', 'stopped']
    : proc?.state === 'paused' ? ['warn', `paused${proc.resumesInMs !== undefined ? `, resumes in ${Math.ceil(proc.resumesInMs / 1000)} s` : ''}`]
    : m.reachable ? ['ok', 'up'] : ['bad', m.reportAgeMs !== null ? `last answer ${ago(m.reportAgeMs)} ago` : 'never answered'];
  const role = m.reachable ? m.role : 'unknown';
  const bar = (v: number | null, label: string): string =>
    `<div class="bar" title="${label} ${v ?? '?'}"><i style="width:${v === null ? 0 : Math.round((100 * v) / top)}%"></i></div>`;
  const buttons = controls ? `<div class="buttons">
      <button class="danger" data-act="kill" data-node="${esc(m.id)}">kill</button>
      <button data-act="restart" data-node="${esc(m.id)}">restart</button>
      ${proc?.state === 'paused' ? `<button data-act="resume" data-node="${esc(m.id)}">resume</button>` : `<button data-act="pause" data-node="${esc(m.id)}">pause 15 s</button>`}
    </div>` : '';
  return `<article class="member${leader ? ' leader' : ''}${m.reachable ? '' : ' down'}" data-id="${esc(m.id)}" data-role="${esc(role)}" style="--c:${colorOf(m.id)}">
    <h3>${esc(m.id)} ${leader ? '<span class="pill ok">★ leader</span>' : m.reachable ? `<span class="pill">${esc(role)}</span>` : '<span class="pill bad">unreachable</span>'}
      ${m.self ? '<span class="pill">this node</span>' : ''}</h3>
    <div class="addr">${esc(m.address)} · <span class="pill ${health[0]}">${esc(health[1])}</span></div>
    <dl>
      <dt>term</dt><dd>${m.term ?? '—'}</dd><dt>lag</dt><dd>${m.lag ?? '—'}</dd>
      <dt>last</dt><dd>${m.lastIndex ?? '—'}</dd><dt>commit</dt><dd class="commit">${m.commitIndex ?? '—'}</dd>
      <dt>applied</dt><dd>${m.lastApplied ?? '—'}</dd><dt>snapshot</dt><dd>${m.snapshotIndex ?? '—'}</dd>
      <dt>heard</dt><dd colspan="3" style="grid-column:span 3">${m.self ? '(self)' : m.lastHeardMsAgo === null ? '—' : `${ago(m.lastHeardMsAgo)} ago by ${esc(m.heardBy)}`}</dd>
    </dl>
    <div class="bars">${bar(m.lastIndex, 'last index')}${bar(m.commitIndex, 'commit index')}${bar(m.lastApplied, 'applied index')}</div>
    ${buttons}
  </article>`;
}

function renderCharts(): void {
  const nowS = Date.now() / 1000;
  const pts = state.points;
  const line = (label: string, color: string, pick: (p: StatPoint) => number | null, dash = false): Series =>
    ({ label, color, dash, data: pts.map((p) => [p.t + 1, pick(p)] as [number, number | null]) });
  drawChart($('c-throughput') as HTMLCanvasElement, [
    line('writes/s', '#c05621', (p) => p.writes),
    line('reads/s', '#2b6cb0', (p) => p.reads),
  ], nowS, CHART_WINDOW_S, '');
  drawChart($('c-latency') as HTMLCanvasElement, [
    line('write p50', '#c05621', (p) => p.writeP50),
    line('write p99', '#c05621', (p) => p.writeP99, true),
    line('read p50', '#2b6cb0', (p) => p.readP50),
    line('read p99', '#2b6cb0', (p) => p.readP99, true),
  ], nowS, CHART_WINDOW_S, ' ms');
  drawChart($('c-fsync') as HTMLCanvasElement, [
    line('p50', '#2f855a', (p) => p.fsyncP50),
    line('p99', '#2f855a', (p) => p.fsyncP99, true),
  ], nowS, CHART_WINDOW_S, ' ms');
  const lastPoint = pts[pts.length - 1];
  $('fsync-rate').textContent = lastPoint ? `${lastPoint.fsyncs} fsyncs in the last second` : '';
  drawChart($('c-commit') as HTMLCanvasElement, [...state.commits].map(([id, data]) => ({ label: id, color: colorOf(id), dash: false, data })), nowS, COMMIT_WINDOW_S, '', false);
  drawTerms($('c-terms') as HTMLCanvasElement, nowS);
}

function renderTimeline(): void {
  const list = $('timeline');
  const items = state.timeline.slice(-60).reverse();
  list.innerHTML = items.map((e) => `<li data-kind="${e.kind}"><time>${new Date(e.at).toLocaleTimeString()}</time>${esc(e.text)}</li>`).join('') ||
    '<li>no change seen yet</li>';
}

// --- charts: plain canvas ------------------------------------------------------------------

interface Series { label: string; color: string; dash: boolean; data: Array<[number, number | null]> }

function sizeCanvas(canvas: HTMLCanvasElement): CanvasRenderingContext2D | null {
  const ratio = window.devicePixelRatio || 1;
  const w = canvas.clientWidth;
  const h = canvas.clientHeight;
  if (canvas.width !== Math.round(w * ratio) || canvas.height !== Math.round(h * ratio)) {
    canvas.width = Math.round(w * ratio);
    canvas.height = Math.round(h * ratio);
  }
  const ctx = canvas.getContext('2d');
  ctx?.setTransform(ratio, 0, 0, ratio, 0, 0);
  ctx?.clearRect(0, 0, w, h);
  return ctx;
}

function niceMax(v: number): number {
  if (v <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

function fmt(v: number): string {
  return v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v >= 1 ? v.toFixed(2) : v.toFixed(3);
}

function drawChart(canvas: HTMLCanvasElement, series: Series[], nowS: number, windowS: number, unit: string, fromZero = true): void {
  const ctx = sizeCanvas(canvas);
  if (!ctx) return;
  const w = canvas.clientWidth;
  const h = canvas.clientHeight;
  ctx.font = '10px system-ui, sans-serif';
  const legend = layoutLegend(ctx, series, w);
  const left = 48, right = 8, top = 8 + 13 * legend.rows, bottom = 16;
  const t0 = nowS - windowS;
  const visible = series.map((s) => s.data.filter(([t]) => t >= t0));
  const values = visible.flat().map(([, v]) => v).filter((v): v is number => v !== null);
  let lo = fromZero ? 0 : Math.min(...values, Infinity);
  let hi = niceMax(Math.max(...values, 0));
  if (!fromZero) {
    hi = Math.max(...values, 1);
    if (!Number.isFinite(lo)) lo = 0;
    if (hi - lo < 4) hi = lo + 4;
  }
  const x = (t: number): number => left + ((t - t0) / windowS) * (w - left - right);
  const y = (v: number): number => top + (1 - (v - lo) / (hi - lo)) * (h - top - bottom);
  ctx.strokeStyle = '#eceef2';
  ctx.fillStyle = '#6b7385';
  ctx.lineWidth = 1;
  for (let i = 0; i <= 4; i++) {
    const v = lo + ((hi - lo) * i) / 4;
    ctx.beginPath();
    ctx.moveTo(left, y(v) + 0.5);
    ctx.lineTo(w - right, y(v) + 0.5);
    ctx.stroke();
    ctx.fillText(fmt(v) + unit, 2, y(v) + 3);
  }
  for (let s = 0; s <= windowS; s += windowS / 3) {
    const back = Math.round(windowS - s);
    ctx.fillText(back === 0 ? 'now' : back % 60 === 0 ? `-${back / 60}m` : `-${back}s`, x(t0 + s) - (back === 0 ? 18 : 6), h - 3);
  }
  series.forEach((s, i) => {
    const data = visible[i]!;
    ctx.strokeStyle = s.color;
    ctx.lineWidth = 1.6;
    ctx.setLineDash(s.dash ? [4, 3] : []);
    ctx.beginPath();
    let pen = false;
    for (const [t, v] of data) {
      if (v === null) { pen = false; continue; }
      if (pen) ctx.lineTo(x(t), y(v)); else ctx.moveTo(x(t), y(v));
      pen = true;
    }
    ctx.stroke();
    ctx.setLineDash([]);
    const at = legend.at[i]!;
    ctx.fillStyle = s.color;
    ctx.fillRect(at.x, at.y - 7, 8, 8);
    ctx.fillStyle = '#1d2330';
    ctx.fillText(at.text, at.x + 11, at.y);
  });
}

/** Legend entries ("label latest") placed left to right, wrapping to more rows when needed. */
function layoutLegend(ctx: CanvasRenderingContext2D, series: Series[], width: number): { rows: number; at: Array<{ x: number; y: number; text: string }> } {
  let x = 48;
  let row = 0;
  const at = series.map((s) => {
    const latest = [...s.data].reverse().find(([, v]) => v !== null)?.[1];
    const text = `${s.label}${latest === undefined || latest === null ? '' : ` ${fmt(latest)}`}`;
    const size = ctx.measureText(text).width + 22;
    if (x + size > width && x > 48) {
      row++;
      x = 48;
    }
    const place = { x, y: 12 + 13 * row, text };
    x += size;
    return place;
  });
  return { rows: row + 1, at };
}

function drawTerms(canvas: HTMLCanvasElement, nowS: number): void {
  const ctx = sizeCanvas(canvas);
  if (!ctx) return;
  const w = canvas.clientWidth;
  const h = canvas.clientHeight;
  const t0 = nowS - CHART_WINDOW_S;
  const x = (t: number): number => Math.max(0, ((t - t0) / CHART_WINDOW_S) * w);
  const samples = state.terms;
  ctx.font = '10px system-ui, sans-serif';
  const changes: Array<{ t: number; label: string }> = [];
  for (let i = 0; i < samples.length; i++) {
    const s = samples[i]!;
    const end = samples[i + 1]?.t ?? nowS;
    ctx.fillStyle = s.leader ? colorOf(s.leader) : '#c9ccd3';
    ctx.globalAlpha = s.leader ? 0.75 : 1;
    ctx.fillRect(x(s.t), 4, Math.max(1, x(end) - x(s.t)), h - 20);
    ctx.globalAlpha = 1;
    const prev = samples[i - 1];
    if (!prev || prev.term !== s.term || prev.leader !== s.leader) changes.push({ t: s.t, label: `T${s.term} ${s.leader ?? 'no leader'}` });
  }
  // Newest first, each kept inside the strip and clear of the one to its right.
  let limit = w;
  ctx.fillStyle = '#1d2330';
  for (const c of changes.reverse()) {
    const width = ctx.measureText(c.label).width;
    const at = Math.min(x(c.t) + 2, limit - width - 2);
    if (at < 0) break;
    ctx.fillText(c.label, at, h - 4);
    limit = at - 6;
  }
}

// --- key browser --------------------------------------------------------------------------

interface Answer { status: number; body: Record<string, unknown>; node: string | null; via: string | null }

async function api(method: string, path: string, body?: unknown): Promise<Answer> {
  const res = await fetch(path, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? null : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: Record<string, unknown> = {};
  try { parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {}; } catch { parsed = { error: text }; }
  return { status: res.status, body: parsed, node: res.headers.get('x-raft-node'), via: res.headers.get('x-raft-forwarded-by') };
}

function answeredBy(a: Answer): string {
  const leader = a.via ? ` (forwarded by ${esc(a.via)} to the leader)` : '';
  return `answered by <b class="answered-by">${esc(a.node ?? '?')}</b>${leader}`;
}

function showResult(html: string, error = false): void {
  const el = $('kv-result');
  el.className = error ? 'err' : '';
  el.innerHTML = html;
}

async function guarded(what: string, fn: () => Promise<void>): Promise<void> {
  try { await fn(); } catch (err) { showResult(`${esc(what)} failed: ${esc(err)}`, true); }
}

function failure(verb: string, a: Answer): void {
  showResult(`${esc(verb)}: ${a.status} ${esc(a.body['code'] ?? '')} ${esc(a.body['error'] ?? '')} — ${answeredBy(a)}`, true);
}

async function listKeys(): Promise<void> {
  const prefix = ($('kv-prefix') as HTMLInputElement).value;
  const a = await api('GET', `/kv?limit=100&prefix=${encodeURIComponent(prefix)}`);
  if (a.status !== 200) return failure('list', a);
  const items = (a.body['items'] ?? []) as Array<{ key: string; value: string; revision: number }>;
  $('kv-rows').innerHTML = items.map((kv) => `<tr data-key="${esc(kv.key)}"><td>${esc(kv.key)}</td><td class="v" title="${esc(kv.value)}">${esc(kv.value)}</td><td>${kv.revision}</td>` +
    `<td><button data-kv="get">get</button> <button data-kv="del" class="danger">delete</button></td></tr>`).join('') ||
    '<tr><td colspan="4">no keys</td></tr>';
  showResult(`${items.length}${a.body['more'] ? '+' : ''} key(s) with prefix "${esc(prefix)}" — ${answeredBy(a)}`);
}

async function getKey(key: string): Promise<void> {
  const a = await api('GET', `/kv/${encodeURIComponent(key)}`);
  if (a.status !== 200) return failure(`get ${key}`, a);
  ($('kv-key') as HTMLInputElement).value = key;
  ($('kv-value') as HTMLInputElement).value = String(a.body['value'] ?? '');
  showResult(`"${esc(key)}" = "${esc(a.body['value'])}" at revision <b>${esc(a.body['revision'])}</b> — ${answeredBy(a)}`);
}

async function putKey(): Promise<void> {
  const key = ($('kv-key') as HTMLInputElement).value;
  const value = ($('kv-value') as HTMLInputElement).value;
  if (!key) return showResult('a key is needed', true);
  const a = await api('PUT', `/kv/${encodeURIComponent(key)}`, { value });
  if (a.status !== 200) return failure(`put ${key}`, a);
  await listKeys();
  showResult(`put "${esc(key)}" at revision <b>${esc(a.body['revision'])}</b> — ${answeredBy(a)}`);
}

async function deleteKey(key: string): Promise<void> {
  if (!key) return showResult('a key is needed', true);
  const a = await api('DELETE', `/kv/${encodeURIComponent(key)}`);
  if (a.status !== 200) return failure(`delete ${key}`, a);
  await listKeys();
  showResult(`deleted "${esc(key)}" (${a.body['deleted'] ? 'it existed' : 'it did not exist'}) at revision <b>${esc(a.body['revision'])}</b> — ${answeredBy(a)}`);
}

// --- process controls (local supervisor only) ------------------------------------------------

async function control(action: string, node: string): Promise<void> {
  const own = node === state.hello?.nodeId && (action === 'kill' || action === 'pause' || action === 'restart');
  showResult(`${esc(action)} ${esc(node)}…${own ? ' (the node serving this page: the page loses it until it is back; the other members\' dashboards still work)' : ''}`);
  const a = await api('POST', '/ui/control', { action, node });
  if (a.status !== 200) return showResult(`${esc(action)} ${esc(node)}: ${esc(a.body['message'] ?? a.body['error'] ?? a.status)}`, true);
  showResult(esc(a.body['message'] ?? 'done'));
}

function wire(): void {
  $('kv-list').addEventListener('click', () => void guarded('list', listKeys));
  $('kv-put').addEventListener('click', () => void guarded('put', putKey));
  $('kv-get').addEventListener('click', () => void guarded('get', () => getKey(($('kv-key') as HTMLInputElement).value)));
  $('kv-del').addEventListener('click', () => void guarded('delete', () => deleteKey(($('kv-key') as HTMLInputElement).value)));
  $('kv-prefix').addEventListener('keydown', (e) => { if (e.key === 'Enter') void guarded('list', listKeys); });
  $('kv-rows').addEventListener('click', (e) => {
    const button = (e.target as HTMLElement).closest('button');
    const key = button?.closest('tr')?.dataset['key'];
    if (!button || key === undefined) return;
    void guarded(button.dataset['kv'] ?? '', () => (button.dataset['kv'] === 'del' ? deleteKey(key) : getKey(key)));
  });
  $('members').addEventListener('click', (e) => {
    const button = (e.target as HTMLElement).closest('button');
    const action = button?.dataset['act'];
    const node = button?.dataset['node'];
    if (action && node) void guarded(action, () => control(action, node));
  });
  // Keep the header honest (stale / ago) and the charts scrolling between pushes.
  setInterval(renderHeader, 1000);
  window.addEventListener('resize', renderCharts);
}

wire();
connect();
void guarded('list', listKeys);
