// Turns the raw pieces of an HTTP request into validated values, or an ApiError saying why not.
// Every check here runs before anything reaches the node, so a rejected request changes nothing.
import type { Precondition } from '../kv/command.js';
import { invalid, tooLarge } from './errors.js';

export const MAX_KEY_BYTES = 4096;
export const MAX_IDEMPOTENCY_KEY_LENGTH = 256;
export const DEFAULT_LIST_LIMIT = 1000;
export const MAX_LIST_LIMIT = 10_000;

export type Consistency = 'linearizable' | 'serializable';

/** Splits `/kv/a%2Fb?x=1` into its path and its query string. */
export function splitUrl(url: string): { path: string; query: string } {
  const q = url.indexOf('?');
  return q === -1 ? { path: url, query: '' } : { path: url.slice(0, q), query: url.slice(q + 1) };
}

export function decodeKey(encoded: string): string {
  let key: string;
  try {
    key = decodeURIComponent(encoded);
  } catch {
    throw invalid('the key in the path is not valid percent-encoding');
  }
  checkKey(key);
  return key;
}

export function checkKey(key: unknown): asserts key is string {
  if (typeof key !== 'string') throw invalid('"key" must be a string');
  if (key.length === 0) throw invalid('the key must not be empty');
  if (Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES) throw tooLarge(`the key is over ${MAX_KEY_BYTES} bytes`);
}

export function checkValue(value: unknown, maxValueBytes: number): asserts value is string {
  if (value === undefined) throw invalid('"value" is missing');
  if (typeof value !== 'string') throw invalid('"value" must be a string');
  if (Buffer.byteLength(value, 'utf8') > maxValueBytes) throw tooLarge(`the value is over the limit of ${maxValueBytes} bytes`);
}

/** Parses the query string, refusing parameters outside `allowed` and repeated ones. */
export function parseQuery(query: string, allowed: readonly string[]): Map<string, string> {
  const params = new Map<string, string>();
  if (query === '') return params;
  for (const [name, value] of new URLSearchParams(query)) {
    if (!allowed.includes(name)) {
      throw invalid(allowed.length ? `unknown query parameter "${name}" (allowed: ${allowed.join(', ')})` : `unknown query parameter "${name}"`);
    }
    if (params.has(name)) throw invalid(`query parameter "${name}" is given more than once`);
    params.set(name, value);
  }
  return params;
}

const DIGITS = /^[0-9]+$/;

function nonNegativeInteger(name: string, raw: string): number {
  const n = Number(raw);
  if (!DIGITS.test(raw) || !Number.isSafeInteger(n)) throw invalid(`"${name}" must be a non-negative integer`);
  return n;
}

export function parsePrecondition(params: Map<string, string>): Precondition {
  const prevValue = params.get('prevValue');
  const rawRevision = params.get('prevRevision');
  const precondition: { prevValue?: string; prevRevision?: number } = {};
  if (prevValue !== undefined) precondition.prevValue = prevValue;
  if (rawRevision !== undefined) precondition.prevRevision = nonNegativeInteger('prevRevision', rawRevision);
  return precondition;
}

export function parseConsistency(params: Map<string, string>): Consistency {
  const raw = params.get('consistency') ?? 'linearizable';
  if (raw !== 'linearizable' && raw !== 'serializable') throw invalid('"consistency" must be "linearizable" or "serializable"');
  return raw;
}

export function parseLimit(params: Map<string, string>): number {
  const raw = params.get('limit');
  if (raw === undefined) return DEFAULT_LIST_LIMIT;
  const n = nonNegativeInteger('limit', raw);
  if (n === 0) throw invalid('"limit" must be a positive integer');
  return Math.min(n, MAX_LIST_LIMIT);
}

/** Parses a JSON body that must be an object. Content-Type is not checked: the tutorial's curl omits it. */
export function parseJsonObject(body: Buffer): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    throw invalid(body.length === 0 ? 'the request body is empty; expected a JSON object' : 'the request body is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw invalid('the request body must be a JSON object');
  return parsed as Record<string, unknown>;
}

export function parseIdempotencyKey(header: string | string[] | undefined): string | undefined {
  if (header === undefined) return undefined;
  if (Array.isArray(header) || header.length === 0 || header.length > MAX_IDEMPOTENCY_KEY_LENGTH) {
    throw invalid(`Idempotency-Key must be one non-empty value of at most ${MAX_IDEMPOTENCY_KEY_LENGTH} characters`);
  }
  return header;
}
