// The dashboard's routes under /ui/ (the page itself is GET /), wired into the API server:
//   GET  /ui/app.js   the page's script (src/ui/dashboard-app.ts, compiled)
//   GET  /ui/events   Server-Sent Events: the cluster view, pushed while someone watches
//   GET  /ui/state    this node's own report, which the dashboards of its peers ask for
//   POST /ui/control  relayed to the local supervisor, only when one is configured
import type http from 'node:http';
import type { RunningNode } from '../node/types.js';
import { nodeId } from '../raft/types.js';
import { dashboardScript } from './dashboard.js';
import { ClusterWatcher } from './dashboard-cluster.js';
import { CONTROL_ACTIONS, ControlLink, type ControlAction } from './dashboard-control.js';
import { ownReport, REPORT_PATH } from './dashboard-report.js';
import { RequestStats } from './dashboard-stats.js';
import { ApiError, invalid } from './errors.js';
import { DashboardEvents } from './events.js';

/** Peers slower than this count as unreachable for one push. */
const PEER_TIMEOUT_MS = 300;

export interface Dashboard {
  /** The response 'finish' hook: one counter increment for client reads and writes. */
  observe(req: http.IncomingMessage, route: string, startedNs: bigint): void;
  /** Serves a /ui/ path. */
  handle(req: http.IncomingMessage, res: http.ServerResponse, path: string): Promise<void>;
}

export function createDashboard(node: RunningNode, server: http.Server, env: Readonly<Record<string, string | undefined>> = process.env): Dashboard {
  const stats = new RequestStats();
  const control = ControlLink.fromEnv(env);
  const watcher = new ClusterWatcher(node, stats, control, PEER_TIMEOUT_MS);
  const events = new DashboardEvents(server, watcher, () => ({ nodeId: node.id, controls: control !== null }));
  server.on('close', () => events.closeAll());

  const json = (res: http.ServerResponse, status: number, body: unknown): void => {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' }).end(text);
  };
  const only = (req: http.IncomingMessage, method: string): void => {
    if (req.method !== method) throw new ApiError('METHOD_NOT_ALLOWED', `method not allowed; use ${method}`, {}, { allow: method });
  };

  return {
    observe: (req, route, startedNs) => stats.observe(req, route, startedNs),

    async handle(req, res, path) {
      if (path === '/ui/app.js') {
        only(req, 'GET');
        const body = dashboardScript();
        res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8', 'content-length': Buffer.byteLength(body), 'cache-control': 'no-cache' }).end(body);
        return;
      }
      if (path === '/ui/events') {
        only(req, 'GET');
        return events.attach(req, res);
      }
      if (path === REPORT_PATH) {
        only(req, 'GET');
        return json(res, 200, await ownReport(node, stats));
      }
      if (path === '/ui/control' && control) {
        only(req, 'POST');
        // A JSON content type cannot come from a cross-site form without a CORS preflight,
        // which this server never grants: another web page cannot press these buttons.
        if (!/^application\/json\b/.test(req.headers['content-type'] ?? '')) throw invalid('content-type must be application/json');
        const body = await readSmallJson(req);
        const action = body['action'];
        const target = body['node'];
        if (!CONTROL_ACTIONS.includes(action as ControlAction)) throw invalid(`action must be one of ${CONTROL_ACTIONS.join(', ')}`);
        if (typeof target !== 'string' || node.addressOf(nodeId(target)) === undefined) throw invalid('node must be a member id');
        const answer = await control.act(action as ControlAction, target);
        return json(res, answer.status, answer.body);
      }
      throw new ApiError('NOT_FOUND', `no route for ${req.method ?? 'GET'} ${path}`);
    },
  };
}

async function readSmallJson(req: http.IncomingMessage): Promise<Record<string, unknown>> {
  let text = '';
  for await (const chunk of req) {
    text += String(chunk);
    if (text.length > 4096) throw invalid('body too large');
  }
  try {
    const v: unknown = JSON.parse(text);
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw invalid('body must be a JSON object');
}
