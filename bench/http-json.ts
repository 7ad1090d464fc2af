// Small JSON-over-HTTP calls the bench makes to watch the clusters (status, leader); not on any
// measured path.
import http from 'node:http';

export function httpJson(address: string, method: 'GET' | 'POST', path: string, body?: unknown, timeoutMs = 1000): Promise<unknown> {
  const colon = address.lastIndexOf(':');
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: address.slice(0, colon),
        port: Number(address.slice(colon + 1)),
        method,
        path,
        agent: false,
        headers: payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => {
          if ((res.statusCode ?? 0) >= 300) return reject(new Error(`${method} ${address}${path}: HTTP ${res.statusCode} ${text.slice(0, 200)}`));
          try {
            resolve(JSON.parse(text));
          } catch (err) {
            reject(new Error(`${method} ${address}${path}: not JSON: ${text.slice(0, 200)}`, { cause: err }));
          }
        });
      },
    );
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`${method} ${address}${path}: no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(payload);
  });
}
