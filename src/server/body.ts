// Reads a request body into memory with a byte limit. Nothing is parsed or applied until the
// whole body has arrived, so a client that aborts mid-body changes nothing.
import type { IncomingMessage } from 'node:http';
import { tooLarge } from './errors.js';

/** The client went away before sending its whole body; there is no one left to answer. */
export class ClientAbortedError extends Error {
  override readonly name = 'ClientAbortedError';
}

export function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > maxBytes) {
    return Promise.reject(tooLarge(`request body of ${declared} bytes is over the limit of ${maxBytes}`));
  }
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    let settled = false;
    const finish = (err: Error | null, body?: Buffer): void => {
      if (settled) return;
      settled = true;
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('close', onClose);
      req.off('error', onClose);
      if (err) reject(err);
      else resolve(body!);
    };
    const onData = (chunk: Buffer): void => {
      received += chunk.length;
      if (received > maxBytes) {
        // Stop buffering; the caller answers 413 and closes the connection.
        req.pause();
        finish(tooLarge(`request body is over the limit of ${maxBytes} bytes`));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => finish(null, chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, received));
    const onClose = (): void => {
      if (!req.complete) finish(new ClientAbortedError('client closed the connection before sending its whole body'));
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('close', onClose);
    req.on('error', onClose);
  });
}
