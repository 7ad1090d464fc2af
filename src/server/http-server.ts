// The client API of API.md on plain node:http (the hot path: no framework), plus the
// Upgrade hook that hands /raft/peer connections to the node's transport.
import http from 'node:http';
import type { Logger } from 'pino';
import type { KvResult } from '../kv/command.js';
import { NotLeaderError, TimeoutError, UnavailableError, type ProposedCommand, type RunningNode } from '../node/types.js';
import { ApiError, timedOut, unavailable } from './errors.js';
import { ClientAbortedError, readBody } from './body.js';
import { FORWARDED_BY_HEADER, Forwarder, type ForwardedAnswer } from './forward.js';
import { HttpMetrics } from './http-metrics.js';
import { dashboardHtml } from './dashboard.js';
import { createDashboard } from './dashboard-routes.js';
import {
  checkKey, checkValue, decodeKey, parseConsistency, parseIdempotencyKey, parseJsonObject, parseLimit,
  parsePrecondition, parseQuery, splitUrl,
} from './request-parsing.js';

export const DEFAULT_MAX_VALUE_BYTES = 1024 * 1024;
export const PEER_UPGRADE_PATH = '/raft/peer';

export interface ApiServerOptions {
  /** Largest accepted value, in UTF-8 bytes (API.md: default 1 MiB). */
  readonly maxValueBytes?: number;
  /** Largest accepted request body; reading stops beyond it. Default: room for a maximal key and value, JSON-escaped. */
  readonly maxBodyBytes?: number;
  /** Passed to propose/readBarrier; undefined leaves the node's own default. */
  readonly requestTimeoutMs?: number;
  /** How long a forwarded request may wait for the leader. Default requestTimeoutMs + 1 s, or 6 s. */
  readonly forwardTimeoutMs?: number;
  /** A client must deliver its whole request (headers and body) within this; Node answers 408. Default 30 s. */
  readonly bodyTimeoutMs?: number;
  readonly logger?: Logger;
}


type Route = 'kv_key' | 'kv' | 'debug' | 'cluster' | 'health' | 'metrics' | 'dashboard' | 'ui' | 'unknown';

const WRITE_PARAMS = ['prevValue', 'prevRevision'] as const;

/** The server, plus what a graceful stop needs: server.close() alone would also wait for the
 *  upgraded peer streams, which end only when the node closes. */
export interface ApiServer extends http.Server {
  /** Client requests received and not yet answered. */
  inFlightRequests(): number;
}

export function createApiServer(node: RunningNode, opts: ApiServerOptions = {}): ApiServer {
  const maxValueBytes = opts.maxValueBytes ?? DEFAULT_MAX_VALUE_BYTES;
  const maxBodyBytes = opts.maxBodyBytes ?? 2 * maxValueBytes + 64 * 1024;
  const bodyTimeoutMs = opts.bodyTimeoutMs ?? 30_000;
  const forwardTimeoutMs = opts.forwardTimeoutMs ?? (opts.requestTimeoutMs ?? 5_000) + 1_000;
  const forwarder = new Forwarder(node.id, forwardTimeoutMs);
  const metrics = new HttpMetrics();
  const log = opts.logger;
  let inFlight = 0;

  const server = http.createServer(
    { requestTimeout: bodyTimeoutMs, headersTimeout: Math.min(bodyTimeoutMs, 60_000), connectionsCheckingInterval: Math.max(50, Math.min(1_000, bodyTimeoutMs / 2)) },
    (req, res) => {
      const started = process.hrtime.bigint();
      const ctx = new RequestContext(req, res);
      inFlight++;
      res.on('close', () => inFlight--);
      res.on('finish', () => {
        metrics.observe(req.method ?? '', ctx.route, res.statusCode, started);
        dashboard.observe(req, ctx.route, started);
      });
      handle(ctx).catch((err: unknown) => answerError(ctx, err));
    },
  );
  server.on('upgrade', (req, socket, head) => {
    if (splitUrl(req.url ?? '').path === PEER_UPGRADE_PATH) return node.handlePeerUpgrade(req, socket, head);
    socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
  });
  server.on('close', () => forwarder.close());
  const dashboard = createDashboard(node, server);
  return Object.assign(server, { inFlightRequests: () => inFlight });

  async function handle(ctx: RequestContext): Promise<void> {
    const { req } = ctx;
    const method = req.method ?? 'GET';
    const { path, query } = splitUrl(req.url ?? '/');
    stampNodeHeaders(ctx);

    if (path.startsWith('/kv/')) {
      ctx.route = 'kv_key';
      const key = decodeKey(path.slice(4));
      if (method === 'GET') return getKey(ctx, key, parseQuery(query, ['consistency']));
      if (method === 'PUT') return putKey(ctx, key, parseQuery(query, WRITE_PARAMS));
      if (method === 'DELETE') return deleteKey(ctx, key, parseQuery(query, WRITE_PARAMS));
      throw methodNotAllowed('GET, PUT, DELETE');
    }
    if (path === '/kv') {
      ctx.route = 'kv';
      if (method === 'GET') return listKeys(ctx, parseQuery(query, ['prefix', 'limit', 'consistency']));
      if (method === 'POST') return postKv(ctx, parseQuery(query, WRITE_PARAMS));
      throw methodNotAllowed('GET, POST');
    }
    if (path.startsWith('/ui/')) {
      ctx.route = 'ui';
      return dashboard.handle(req, ctx.res, path);
    }
    const onlyGet = (route: Route): void => {
      ctx.route = route;
      if (method !== 'GET' && method !== 'HEAD') throw methodNotAllowed('GET');
    };
    switch (path) {
      case '/debug': onlyGet('debug'); return sendJson(ctx, 200, debugView());
      case '/cluster': onlyGet('cluster'); return sendJson(ctx, 200, clusterView());
      case '/health': onlyGet('health'); return health(ctx);
      case '/metrics': {
        onlyGet('metrics');
        const text = await metrics.render();
        ctx.res.writeHead(200, { 'content-type': metrics.contentType() }).end(text);
        return;
      }
      case '/': {
        onlyGet('dashboard');
        ctx.res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(dashboardHtml);
        return;
      }
    }
    throw new ApiError('NOT_FOUND', `no route for ${method} ${path}`);
  }

  // --- writes ---------------------------------------------------------------------------

  async function putKey(ctx: RequestContext, key: string, params: Map<string, string>): Promise<void> {
    const precondition = parsePrecondition(params);
    const idempotencyKey = parseIdempotencyKey(ctx.req.headers['idempotency-key']);
    const body = parseJsonObject(await ctx.readBody(maxBodyBytes));
    checkValue(body['value'], maxValueBytes);
    return propose(ctx, { op: 'put', key, value: body['value'], ...precondition, ...idem(idempotencyKey) });
  }

  async function postKv(ctx: RequestContext, params: Map<string, string>): Promise<void> {
    const precondition = parsePrecondition(params);
    const idempotencyKey = parseIdempotencyKey(ctx.req.headers['idempotency-key']);
    const body = parseJsonObject(await ctx.readBody(maxBodyBytes));
    checkKey(body['key']);
    checkValue(body['value'], maxValueBytes);
    return propose(ctx, { op: 'put', key: body['key'], value: body['value'], ...precondition, ...idem(idempotencyKey) });
  }

  async function deleteKey(ctx: RequestContext, key: string, params: Map<string, string>): Promise<void> {
    const precondition = parsePrecondition(params);
    const idempotencyKey = parseIdempotencyKey(ctx.req.headers['idempotency-key']);
    return propose(ctx, { op: 'del', key, ...precondition, ...idem(idempotencyKey) });
  }

  async function propose(ctx: RequestContext, cmd: ProposedCommand): Promise<void> {
    let result: KvResult;
    try {
      result = await node.propose(cmd, opts.requestTimeoutMs);
    } catch (err) {
      if (err instanceof NotLeaderError) return forwardOr503(ctx, err, true);
      throw err;
    }
    if (!result.ok) {
      throw new ApiError('PRECONDITION_FAILED', `the precondition on "${cmd.key}" does not hold`, { current: result.current });
    }
    if (result.op === 'put') return sendJson(ctx, 200, { key: result.key, value: result.value, revision: result.revision });
    return sendJson(ctx, 200, { key: result.key, deleted: result.deleted, revision: result.revision });
  }

  // --- reads ----------------------------------------------------------------------------

  /** Waits for a linearizable read point; false when the request was forwarded instead. */
  async function readBarrier(ctx: RequestContext): Promise<boolean> {
    try {
      await node.readBarrier(opts.requestTimeoutMs);
      return true;
    } catch (err) {
      if (err instanceof NotLeaderError) {
        await forwardOr503(ctx, err, false);
        return false;
      }
      // A read that timed out changed nothing: safe to retry, unlike a write.
      if (err instanceof TimeoutError) throw unavailable(`no linearizable read point within the timeout: ${err.message}`);
      throw err;
    }
  }

  async function getKey(ctx: RequestContext, key: string, params: Map<string, string>): Promise<void> {
    if (parseConsistency(params) === 'linearizable' && !(await readBarrier(ctx))) return;
    const kv = node.get(key);
    if (!kv) throw new ApiError('KEY_NOT_FOUND', `no key "${key}"`);
    return sendJson(ctx, 200, { key: kv.key, value: kv.value, revision: kv.revision });
  }

  async function listKeys(ctx: RequestContext, params: Map<string, string>): Promise<void> {
    const prefix = params.get('prefix') ?? '';
    const limit = parseLimit(params);
    if (parseConsistency(params) === 'linearizable' && !(await readBarrier(ctx))) return;
    const { items, more } = node.list(prefix, limit);
    return sendJson(ctx, 200, { items: items.map((kv) => ({ key: kv.key, value: kv.value, revision: kv.revision })), more });
  }

  // --- forwarding -----------------------------------------------------------------------

  async function forwardOr503(ctx: RequestContext, err: NotLeaderError, mayApply: boolean): Promise<void> {
    const forwardedBy = ctx.req.headers[FORWARDED_BY_HEADER];
    if (forwardedBy !== undefined) {
      throw unavailable(`${node.id} is not the leader either (forwarded by ${String(forwardedBy)}); retry shortly`);
    }
    if (!err.leaderAddress) throw unavailable('no leader is known; retry shortly');
    const answer: ForwardedAnswer = await forwarder.forward(err.leaderAddress, {
      method: ctx.req.method ?? 'GET',
      url: ctx.req.url ?? '/',
      headers: ctx.req.headers,
      body: ctx.body,
      mayApply,
    });
    if (ctx.res.headersSent || ctx.res.destroyed) return;
    ctx.res.writeHead(answer.status, { ...answer.headers, 'content-length': answer.body.length, [FORWARDED_BY_HEADER]: node.id });
    ctx.res.end(answer.body);
  }

  // --- diagnostics ----------------------------------------------------------------------

  function debugView(): Record<string, unknown> {
    const s = node.status();
    // API.md promises follower|candidate|leader; a pre-candidate has not left its term yet.
    return { ...s, state: s.state === 'pre-candidate' ? 'candidate' : s.state, role: s.state };
  }

  function clusterView(): Record<string, unknown> {
    const s = node.status();
    return { nodeId: s.nodeId, leaderId: s.leaderId, term: s.term, commitIndex: s.commitIndex, members: s.members };
  }

  function health(ctx: RequestContext): void {
    const s = node.status();
    const facts = { nodeId: s.nodeId, leaderId: s.leaderId, term: s.term, commitIndex: s.commitIndex, lastApplied: s.lastApplied };
    if (s.leaderId === null) throw new ApiError('UNAVAILABLE', 'no leader is known', facts, { 'retry-after': '1' });
    if (s.lastApplied < s.commitIndex) throw new ApiError('UNAVAILABLE', 'applying committed entries', facts, { 'retry-after': '1' });
    return sendJson(ctx, 200, { status: 'ok', ...facts });
  }

  // --- answers --------------------------------------------------------------------------

  function stampNodeHeaders(ctx: RequestContext): void {
    const s = node.leadership();
    ctx.res.setHeader('x-raft-node', node.id);
    if (s.leaderId !== null) ctx.res.setHeader('x-raft-leader', s.leaderId);
    if (s.term > 0) ctx.res.setHeader('x-raft-term', String(s.term));
  }

  function answerError(ctx: RequestContext, err: unknown): void {
    const { res } = ctx;
    if (err instanceof ClientAbortedError || res.destroyed) return void res.destroy();
    if (res.headersSent) {
      log?.error({ err }, 'error after the response started');
      return void res.destroy();
    }
    const apiError = toApiError(err);
    if (apiError.code === 'INTERNAL') log?.error({ err, url: ctx.req.url, method: ctx.req.method }, 'unexpected error serving a request');
    const headers: Record<string, string> = { ...apiError.headers };
    if (ctx.unreadBody) headers['connection'] = 'close';
    sendJson(ctx, apiError.status, apiError.body(), headers);
  }
}

function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof UnavailableError) return unavailable(err.message);
  if (err instanceof TimeoutError) return timedOut(`${err.message}; the write may or may not take effect`);
  if (err instanceof NotLeaderError) return unavailable(err.message);
  return new ApiError('INTERNAL', 'internal error; see the server log');
}

const methodNotAllowed = (allow: string): ApiError =>
  new ApiError('METHOD_NOT_ALLOWED', `method not allowed; use ${allow}`, {}, { allow });

const idem = (key: string | undefined): { idempotencyKey?: string } => (key === undefined ? {} : { idempotencyKey: key });

function sendJson(ctx: RequestContext, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const payload = JSON.stringify(body);
  ctx.res.writeHead(status, { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) });
  ctx.res.end(ctx.req.method === 'HEAD' ? undefined : payload);
}

class RequestContext {
  route: Route = 'unknown';
  /** The body as received, kept for forwarding. */
  body: Buffer | null = null;
  /** True when reading stopped early (too large): the connection cannot be reused. */
  unreadBody = false;
  constructor(readonly req: http.IncomingMessage, readonly res: http.ServerResponse) {}

  async readBody(maxBytes: number): Promise<Buffer> {
    try {
      this.body = await readBody(this.req, maxBytes);
      return this.body;
    } catch (err) {
      if (err instanceof ApiError) this.unreadBody = true;
      throw err;
    }
  }
}

