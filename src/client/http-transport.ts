// One HTTP exchange with one endpoint over a keep-alive agent. Failures are sorted by whether
// the request may have reached the server, which decides how a write may be retried.
import http from 'node:http';
import https from 'node:https';

export interface Answer {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: unknown;
}

/** No answer. `maybeSent` is false only when the request surely never reached the server. */
export class ExchangeError extends Error {
  override readonly name = 'ExchangeError';
  constructor(message: string, readonly maybeSent: boolean, options?: { cause?: unknown }) {
    super(message, options);
  }
}

const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL']);

export class HttpTransport {
  private readonly httpAgent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  private readonly httpsAgent = new https.Agent({ keepAlive: true, maxSockets: 64 });

  exchange(endpoint: URL, method: string, path: string, body: string | undefined, headers: Record<string, string>, timeoutMs: number): Promise<Answer> {
    const secure = endpoint.protocol === 'https:';
    const requestHeaders: Record<string, string | number> = { ...headers, accept: 'application/json' };
    if (body !== undefined) {
      requestHeaders['content-type'] = 'application/json';
      requestHeaders['content-length'] = Buffer.byteLength(body);
    }
    return new Promise<Answer>((resolve, reject) => {
      const options: http.RequestOptions = {
        host: endpoint.hostname.replace(/^\[(.*)\]$/, '$1'),
        port: endpoint.port || (secure ? 443 : 80),
        method,
        path: endpoint.pathname.replace(/\/$/, '') + path,
        headers: requestHeaders,
        timeout: timeoutMs,
      };
      const onResponse = (res: http.IncomingMessage): void => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (err) => reject(new ExchangeError(err.message, true, { cause: err })));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown = text;
          if ((res.headers['content-type'] ?? '').includes('json') && text !== '') {
            try { parsed = JSON.parse(text); } catch { /* keep the text */ }
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: parsed });
        });
      };
      const req = secure
        ? https.request({ ...options, agent: this.httpsAgent }, onResponse)
        : http.request({ ...options, agent: this.httpAgent }, onResponse);
      req.on('timeout', () => req.destroy(new ExchangeError(`no answer from ${endpoint.origin} within ${timeoutMs} ms`, true)));
      req.on('error', (err: NodeJS.ErrnoException) => {
        if (err instanceof ExchangeError) return reject(err);
        // A kept-alive socket closed by the server while idle: the request did not get through.
        const stale = req.reusedSocket && err.code === 'ECONNRESET';
        reject(new ExchangeError(`${endpoint.origin}: ${err.message}`, !(stale || NOT_SENT_CODES.has(err.code ?? '')), { cause: err }));
      });
      req.end(body);
    });
  }

  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }
}
