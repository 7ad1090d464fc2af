import { pino } from 'pino';

/** The structured logger every layer accepts: pino's shape, so tests can pass a silent one. */
export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** JSON lines on stderr; quiet by default (LOG_LEVEL=info|debug to hear more). */
export function createLogger(nodeId: string, level = process.env['LOG_LEVEL'] ?? 'warn'): Logger {
  return pino({ level, base: { node: nodeId } }, pino.destination(2));
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
