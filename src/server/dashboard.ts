// The dashboard page served at GET /. Its script is src/ui/dashboard-app.ts, compiled with the
// rest and served by the node at /ui/app.js: no CDN, nothing fetched from anywhere but this node.
import { readFileSync } from 'node:fs';

/** The compiled browser script, read once; its source-map comment removed (the map is not served). */
let script: string | null = null;
export function dashboardScript(): string {
  script ??= readFileSync(new URL('../ui/dashboard-app.js', import.meta.url), 'utf8').replace(/\n\/\/# sourceMappingURL=.*\s*$/, '\n');
  return script;
}

export const dashboardHtml = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>raftkv dashboard</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<style>
:root{--fg:#1d2330;--muted:#6b7385;--line:#e3e6ec;--bg:#f6f7f9;--card:#fff;--leader:#0b8a5f;--bad:#c2392b;--warn:#b7791f}
*{box-sizing:border-box}
body{font:13px/1.4 system-ui,-apple-system,Segoe UI,sans-serif;margin:0;color:var(--fg);background:var(--bg)}
header{display:flex;gap:14px;align-items:baseline;padding:12px 20px;background:#1d2330;color:#fff}
header h1{font-size:18px;margin:0}header .muted{color:#aab}
main{padding:14px 20px;display:grid;gap:14px}
.pill{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;background:#e8ebf0;color:var(--fg)}
.pill.ok{background:#d7f2e6;color:#075e40}.pill.bad{background:#fbe0dc;color:#8e2418}.pill.warn{background:#fdf0d5;color:#7a4f0c}
#banner{padding:8px 12px;border-radius:6px;background:#d7f2e6;color:#075e40;font-weight:600}
#banner.bad{background:#fbe0dc;color:#8e2418}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(250px,1fr));gap:12px}
.member{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:10px 12px;border-left:5px solid var(--c,#999)}
.member.leader{box-shadow:0 0 0 2px var(--leader)}
.member.down{opacity:.6;background:#f1f1f3}.stale .member{filter:grayscale(1);opacity:.7}
.member h3{margin:0 0 2px;font-size:16px;display:flex;gap:8px;align-items:center}
.member .addr{color:var(--muted);font-size:12px}
.member dl{display:grid;grid-template-columns:auto 1fr auto 1fr;gap:1px 8px;margin:6px 0}
.member dt{color:var(--muted)}.member dd{margin:0;font-variant-numeric:tabular-nums}
.bars{display:grid;gap:2px;margin-top:4px}.bar{height:5px;background:#eceef2;border-radius:3px;overflow:hidden}.bar i{display:block;height:100%;background:var(--c,#999)}
.member .buttons{margin-top:6px;display:flex;gap:6px;flex-wrap:wrap}
button{font:inherit;padding:3px 10px;border:1px solid #c8cdd6;border-radius:5px;background:#fff;cursor:pointer}
button:hover{background:#eef1f6}button.danger{color:var(--bad)}
.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(290px,1fr));gap:12px}
figure{margin:0;background:var(--card);border:1px solid var(--line);border-radius:8px;padding:8px 10px}
figcaption{font-weight:600;margin-bottom:4px}canvas{width:100%;height:170px;display:block}
.row{display:grid;grid-template-columns:1fr 1fr;gap:12px}@media(max-width:900px){.row{grid-template-columns:1fr}}
.box{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:8px 12px}
.box h2{font-size:14px;margin:2px 0 8px}
#c-terms{height:44px}
#timeline{list-style:none;margin:6px 0 0;padding:0;max-height:220px;overflow:auto;font-size:12px}
#timeline li{padding:2px 0;border-bottom:1px solid #f0f1f4}#timeline time{color:var(--muted);margin-right:8px;font-variant-numeric:tabular-nums}
.kv-form{display:flex;gap:6px;flex-wrap:wrap;margin-bottom:6px}.kv-form input{font:inherit;padding:3px 6px;border:1px solid #c8cdd6;border-radius:5px}
#kv-result{min-height:1.4em;margin:4px 0;font-size:12px;color:var(--muted)}#kv-result.err{color:var(--bad)}
table{border-collapse:collapse;width:100%;font-size:12px}td,th{padding:3px 6px;border-bottom:1px solid #eef0f3;text-align:left}
td.v{max-width:260px;overflow:hidden;text-overflow:ellipsis;white-space:nowrap;font-family:ui-monospace,monospace}
.note{color:var(--muted);font-size:12px;margin:0}.muted{color:var(--muted);font-weight:400}
</style></head><body>
<header><h1>raftkv</h1><span class="muted">served by <b id="served">?</b></span><span id="conn" class="pill">connecting…</span><span class="muted" id="term"></span></header>
<main>
<div id="banner">waiting for the first view…</div>
<section id="members" class="cards" aria-label="members"></section>
<section class="charts">
<figure><figcaption>Throughput, whole cluster (requests/s)</figcaption><canvas id="c-throughput"></canvas></figure>
<figure><figcaption>Request latency p50 / p99 (ms)</figcaption><canvas id="c-latency"></canvas></figure>
<figure><figcaption>fsync latency p50 / p99 (ms, bucket bound) <span class="muted" id="fsync-rate"></span></figcaption><canvas id="c-fsync"></canvas></figure>
<figure><figcaption>Commit index of every member</figcaption><canvas id="c-commit"></canvas></figure>
</section>
<section class="row">
<div class="box"><h2>Elections and terms</h2><canvas id="c-terms"></canvas><ol id="timeline"></ol></div>
<div class="box"><h2>Keys</h2>
<div class="kv-form"><input id="kv-prefix" placeholder="prefix" size="12"><button id="kv-list">List</button></div>
<div class="kv-form"><input id="kv-key" placeholder="key" size="14"><input id="kv-value" placeholder="value" size="18"><button id="kv-put">Put</button><button id="kv-get">Get</button><button id="kv-del" class="danger">Delete</button></div>
<div id="kv-result"></div>
<table><thead><tr><th>key</th><th>value</th><th>revision</th><th></th></tr></thead><tbody id="kv-rows"></tbody></table>
</div>
</section>
<p class="note" id="controls-note" hidden>Buttons talk to the local supervisor (npm start). <b>kill</b> sends SIGKILL; <b>restart</b> starts a stopped node (or stops and starts a running one); <b>pause</b> sends SIGSTOP and, after 15 s or on <b>resume</b>, SIGCONT. A paused process answers nobody, so to the others it looks partitioned away, but it is not a network partition: its connections stay open and its clock keeps running.</p>
<p class="note">Members' data comes through the node serving this page (it asks its peers every push, with a short timeout); a member that does not answer shows its last known values, greyed.</p>
</main>
<script type="module" src="/ui/app.js"></script>
</body></html>
`;
