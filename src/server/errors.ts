// The one table that maps an API error code to its HTTP status (API.md "Errors").
// errors.test.ts keeps this table and API.md in step.

export const ErrorCode = {
  INVALID_REQUEST: 'INVALID_REQUEST',
  KEY_NOT_FOUND: 'KEY_NOT_FOUND',
  PRECONDITION_FAILED: 'PRECONDITION_FAILED',
  TOO_LARGE: 'TOO_LARGE',
  UNAVAILABLE: 'UNAVAILABLE',
  TIMEOUT: 'TIMEOUT',
  // Not in the shared API.md yet (additions, see README "Errors"):
  NOT_FOUND: 'NOT_FOUND',
  METHOD_NOT_ALLOWED: 'METHOD_NOT_ALLOWED',
  INTERNAL: 'INTERNAL',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export const statusOfCode: Readonly<Record<ErrorCode, number>> = {
  INVALID_REQUEST: 400,
  KEY_NOT_FOUND: 404,
  PRECONDITION_FAILED: 412,
  TOO_LARGE: 413,
  UNAVAILABLE: 503,
  TIMEOUT: 504,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  INTERNAL: 500,
};

/** Codes this server adds to the shared contract; the test allows exactly these beyond API.md. */
export const codesBeyondSharedContract: readonly ErrorCode[] = ['NOT_FOUND', 'METHOD_NOT_ALLOWED', 'INTERNAL'];

/** An error that becomes one HTTP answer: `{"error","code",...extra}` with the table's status. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly extra: Readonly<Record<string, unknown>> = {},
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.status = statusOfCode[code];
  }
  body(): Record<string, unknown> {
    return { error: this.message, code: this.code, ...this.extra };
  }
}

export const invalid = (message: string): ApiError => new ApiError('INVALID_REQUEST', message);
export const tooLarge = (message: string): ApiError => new ApiError('TOO_LARGE', message);
export const unavailable = (message: string, retryAfterSeconds = 1): ApiError =>
  new ApiError('UNAVAILABLE', message, {}, { 'retry-after': String(retryAfterSeconds) });
export const timedOut = (message: string): ApiError => new ApiError('TIMEOUT', message);
