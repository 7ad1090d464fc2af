// Relays a request that this node cannot serve to the leader, over a keep-alive agent.
// What failed decides the answer: a request that surely never reached the leader is
// UNAVAILABLE (safe to retry); one that may have reached it is TIMEOUT (outcome unknown).
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import type { NodeId } from '../raft/types.js';
import { timedOut, unavailable, type ApiError } from './errors.js';

export const FORWARDED_BY_HEADER = 'x-raft-forwarded-by';

/** Request headers worth carrying to the leader. */
const FORWARDED_REQUEST_HEADERS = ['content-type', 'idempotency-key', 'accept'] as const;
/** Leader response headers worth carrying back to the client. */
const RELAYED_RESPONSE_HEADERS = ['content-type', 'x-raft-node', 'x-raft-leader', 'x-raft-term', 'retry-after'] as const;

/** Errors raised before any byte could reach the leader. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL']);

export interface ForwardedAnswer {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: Buffer;
}

export interface ForwardRequest {
  readonly method: string;
  /** Path and query, exactly as the client sent them. */
  readonly url: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer | null;
  /** True when the leader may change state for this request (writes). */
  readonly mayApply: boolean;
}

export class Forwarder {
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 256, keepAliveMsecs: 1000 });

  constructor(private readonly selfId: NodeId, private readonly timeoutMs: number) {}

  /** Resolves with the leader's answer, or rejects with the ApiError to give the client. */
  async forward(leaderAddress: string, request: ForwardRequest): Promise<ForwardedAnswer> {
    const headers: Record<string, string> = { [FORWARDED_BY_HEADER]: this.selfId };
    for (const name of FORWARDED_REQUEST_HEADERS) {
      const value = request.headers[name];
      if (typeof value === 'string') headers[name] = value;
    }
    // With a key of our own, one resend after a stale keep-alive socket is still exactly-once.
    if (request.mayApply && headers['idempotency-key'] === undefined) headers['idempotency-key'] = `fwd-${randomUUID()}`;
    if (request.body) headers['content-length'] = String(request.body.length);
    try {
      return await this.send(leaderAddress, request, headers);
    } catch (err) {
      if (err instanceof StaleSocketError) return this.send(leaderAddress, request, headers).catch((e: unknown) => Promise.reject(this.toApiError(e, request, leaderAddress)));
      throw this.toApiError(err, request, leaderAddress);
    }
  }

  close(): void {
    this.agent.destroy();
  }

  private toApiError(err: unknown, request: ForwardRequest, leaderAddress: string): ApiError {
    if (err instanceof ForwardFailure && (!err.maybeSent || !request.mayApply)) {
      return unavailable(`the leader at ${leaderAddress} could not be reached: ${err.message}`);
    }
    return timedOut(`the leader at ${leaderAddress} did not answer in time; the write may or may not take effect`);
  }

  private send(leaderAddress: string, request: ForwardRequest, headers: Record<string, string>): Promise<ForwardedAnswer> {
    const { host, port } = splitHostPort(leaderAddress);
    return new Promise<ForwardedAnswer>((resolve, reject) => {
      let responded = false;
      const req = http.request(
        { host, port, method: request.method, path: request.url, headers, agent: this.agent, timeout: this.timeoutMs },
        (res) => {
          responded = true;
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', (e) => reject(new ForwardFailure(e.message, true)));
          res.on('end', () => {
            const relayed: Record<string, string> = {};
            for (const name of RELAYED_RESPONSE_HEADERS) {
              const v = res.headers[name];
              if (typeof v === 'string') relayed[name] = v;
            }
            resolve({ status: res.statusCode ?? 502, headers: relayed, body: Buffer.concat(chunks) });
          });
        },
      );
      req.on('timeout', () => req.destroy(new ForwardFailure(`no answer within ${this.timeoutMs} ms`, true)));
      req.on('error', (err: NodeJS.ErrnoException) => {
        if (responded) return;
        if (err instanceof ForwardFailure) return reject(err);
        if (req.reusedSocket && err.code === 'ECONNRESET') return reject(new StaleSocketError(err.message));
        reject(new ForwardFailure(err.message, !NOT_SENT_CODES.has(err.code ?? '')));
      });
      req.end(request.body ?? undefined);
    });
  }
}

class ForwardFailure extends Error {
  override readonly name = 'ForwardFailure';
  constructor(message: string, readonly maybeSent: boolean) {
    super(message);
  }
}

/** A kept-alive socket the leader had already closed: almost surely unsent, and resending is
 *  exactly-once anyway because every forwarded write carries an Idempotency-Key. */
class StaleSocketError extends Error {
  override readonly name = 'StaleSocketError';
}

export function splitHostPort(address: string): { host: string; port: number } {
  const colon = address.lastIndexOf(':');
  const host = address.slice(0, colon).replace(/^\[(.*)\]$/, '$1');
  return { host, port: Number(address.slice(colon + 1)) };
}
