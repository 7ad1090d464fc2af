// The logging surface the transport needs: pino's, or anything shaped like it. Quiet by default.
export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

const noop = (): void => {};
export const silentLogger: Logger = { debug: noop, info: noop, warn: noop, error: noop };

/** Lets one message through per interval and reports how many were suppressed in between. */
export class RateLimitedLog {
  private lastMs = -Infinity;
  private suppressed = 0;

  constructor(private readonly intervalMs: number) {}

  /** Calls `log(suppressedSinceLast)` if the interval has passed, else counts. */
  maybe(log: (suppressed: number) => void): void {
    const now = performance.now();
    if (now - this.lastMs < this.intervalMs) { this.suppressed++; return; }
    this.lastMs = now;
    const n = this.suppressed;
    this.suppressed = 0;
    log(n);
  }
}
