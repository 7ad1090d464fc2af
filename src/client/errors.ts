// Typed errors of the client library, one per API.md error code, each carrying `code`.
// Retry meaning (API.md): UNAVAILABLE = definitely not applied, TIMEOUT = outcome unknown.

export interface CurrentValue {
  readonly value: string;
  readonly revision: number;
}

export class RaftKvError extends Error {
  override name = 'RaftKvError';
  constructor(
    readonly code: string,
    message: string,
    /** HTTP status of the answer, when there was one. */
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export class InvalidRequestError extends RaftKvError {
  override name = 'InvalidRequestError';
  constructor(message: string, status = 400) { super('INVALID_REQUEST', message, status); }
}
export class KeyNotFoundError extends RaftKvError {
  override name = 'KeyNotFoundError';
  constructor(readonly key: string, message = `no key "${key}"`) { super('KEY_NOT_FOUND', message, 404); }
}
export class PreconditionFailedError extends RaftKvError {
  override name = 'PreconditionFailedError';
  constructor(message: string, readonly current: CurrentValue | null) { super('PRECONDITION_FAILED', message, 412); }
}
export class TooLargeError extends RaftKvError {
  override name = 'TooLargeError';
  constructor(message: string) { super('TOO_LARGE', message, 413); }
}
/** Definitely not applied; safe to retry. */
export class UnavailableError extends RaftKvError {
  override name = 'UnavailableError';
  constructor(message: string, status?: number, options?: { cause?: unknown }) { super('UNAVAILABLE', message, status, options); }
}
/** The outcome is unknown; retry only with the same Idempotency-Key. */
export class TimeoutError extends RaftKvError {
  override name = 'TimeoutError';
  constructor(message: string, status?: number, options?: { cause?: unknown }) { super('TIMEOUT', message, status, options); }
}

/** Builds the typed error for an error answer `{"error","code",...}`. */
export function errorFromAnswer(status: number, body: unknown, key?: string): RaftKvError {
  const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const message = typeof b['error'] === 'string' ? b['error'] : `HTTP ${status}`;
  const code = typeof b['code'] === 'string' ? b['code'] : `HTTP_${status}`;
  switch (code) {
    case 'INVALID_REQUEST': return new InvalidRequestError(message, status);
    case 'KEY_NOT_FOUND': return new KeyNotFoundError(key ?? '', message);
    case 'PRECONDITION_FAILED': return new PreconditionFailedError(message, (b['current'] as CurrentValue | null | undefined) ?? null);
    case 'TOO_LARGE': return new TooLargeError(message);
    case 'UNAVAILABLE': return new UnavailableError(message, status);
    case 'TIMEOUT': return new TimeoutError(message, status);
  }
  if (status === 503) return new UnavailableError(message, status);
  if (status === 504 || status === 408) return new TimeoutError(message, status);
  return new RaftKvError(code, message, status);
}
