// A one-page dashboard served at GET /: polls /cluster and /debug of the node it came from.
export const dashboardHtml = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>raftkv</title>
<style>
body{font:14px system-ui,sans-serif;margin:2em;color:#222}
table{border-collapse:collapse}td,th{padding:4px 10px;border-bottom:1px solid #ddd;text-align:left}
.leader{font-weight:bold;color:#0a6}code{background:#f4f4f4;padding:1px 4px}
</style></head><body>
<h1>raftkv</h1>
<p id="who">connecting...</p>
<table><thead><tr><th>id</th><th>address</th><th>role</th><th>match</th><th>next</th><th>lag</th><th>reachable</th></tr></thead>
<tbody id="members"></tbody></table>
<h2>this node</h2><pre id="debug"></pre>
<script>
const cell = (v) => (v === undefined || v === null ? '' : String(v)).replace(/[&<>"]/g, (c) => '&#' + c.charCodeAt(0) + ';');
async function refresh() {
  try {
    const [cluster, debug] = await Promise.all([fetch('/cluster').then((r) => r.json()), fetch('/debug').then((r) => r.json())]);
    document.getElementById('who').textContent =
      'node ' + debug.nodeId + ' is ' + debug.state + ' in term ' + debug.term + '; leader: ' + (debug.leaderId ?? 'unknown');
    const rows = cluster.members.map((m) =>
      '<tr class="' + (m.id === cluster.leaderId ? 'leader' : '') + '">' +
      [m.id, m.address, m.role, m.match, m.next, m.lag, m.reachable].map((v) => '<td>' + cell(v) + '</td>').join('') + '</tr>');
    document.getElementById('members').innerHTML = rows.join('');
    document.getElementById('debug').textContent = JSON.stringify(debug, null, 2);
  } catch (e) {
    document.getElementById('who').textContent = 'cannot reach this node: ' + e;
  }
}
refresh();
setInterval(refresh, 1000);
</script></body></html>
`;
