import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { mulberry32 } from '../../src/seeded-random.js';

/** Every code a client can see (src/errors.ts): a 4xx must carry one of these. */
export const STABLE_CODES = new Set([
  'invalid_json',
  'invalid_request',
  'payload_too_large',
  'not_found',
  'conflict',
  'method_not_allowed',
  'unknown_model',
  'unknown_strategy',
  'unauthorized',
  'forbidden',
  'rate_limited',
  'request_timeout',
  'upstream_error',
]);

export interface HostileRequest {
  name: string;
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  /** Send the body with chunked transfer encoding (no content-length). */
  chunked?: boolean;
  /** The code this request must get; any stable 4xx code when absent. */
  code?: string;
  /** Some mutations happen to be valid requests: then a 2xx is fine too, a 5xx never. */
  mayPass?: boolean;
}

/** A small deterministic PRNG, so a failing case can be replayed from its seed. */
export const prng = mulberry32;

export const deepArrays = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
export const deepObjects = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;

/** Bytes that are not UTF-8 (a lone continuation byte, an overlong slash, a truncated sequence, 0xFF). */
export function invalidUtf8Json(before: string, after: string): Uint8Array {
  return Buffer.concat([Buffer.from(before), Buffer.from([0x80, 0xc0, 0xaf, 0xe2, 0x82, 0xff, 0xfe]), Buffer.from(after)]);
}

/** Values of the wrong type (or the right type, absurd) for any field. */
export function hostileValues(huge: string): unknown[] {
  return [
    null,
    0,
    -1,
    1.5,
    1e308,
    true,
    false,
    '',
    ' ',
    huge,
    [],
    [null],
    {},
    { $gt: '' },
    JSON.parse(deepArrays(200)) as unknown,
    '\u0000',
    '\ud800',
  ];
}

/** A random JSON value, bounded in depth and size. */
export function randomValue(random: () => number, depth = 0): unknown {
  const pick = Math.floor(random() * (depth > 3 ? 6 : 9));
  switch (pick) {
    case 0:
      return null;
    case 1:
      return random() < 0.5;
    case 2:
      return Math.floor((random() - 0.5) * 2 ** (random() * 60));
    case 3:
      return random() * 1e6 - 5e5;
    case 4:
      return ''.padEnd(Math.floor(random() * 40), String.fromCharCode(32 + Math.floor(random() * 0x2fff)));
    case 5:
      return ['user', 'auto', 'tier', 'intent', 'faq', 'balanced', 'en', '0', '-1', '{}'][Math.floor(random() * 10)];
    case 6:
      return Array.from({ length: Math.floor(random() * 4) }, () => randomValue(random, depth + 1));
    default:
      return Object.fromEntries(
        Array.from({ length: Math.floor(random() * 4) }, (_, i) => [
          ['role', 'content', 'query', 'text', 'type', 'model', `k${i}`][Math.floor(random() * 7)]!,
          randomValue(random, depth + 1),
        ]),
      );
  }
}

/**
 * Mutates a valid body: replaces, deletes, adds or re-types one field (at the
 * top level or one level down). The result may still be valid.
 */
export function mutate(valid: Record<string, unknown>, random: () => number): Record<string, unknown> {
  const body = structuredClone(valid);
  let target: Record<string, unknown> = body;
  const nested = Object.entries(body).filter(
    ([, value]) => Array.isArray(value) && typeof value[0] === 'object' && value[0] !== null,
  );
  if (nested.length > 0 && random() < 0.4)
    target = (nested[Math.floor(random() * nested.length)]![1] as Record<string, unknown>[])[0]!;
  const keys = Object.keys(target);
  const key = keys[Math.floor(random() * keys.length)] ?? 'x';
  const action = random();
  if (action < 0.25) delete target[key];
  else if (action < 0.35) target[`extra_${Math.floor(random() * 100)}`] = randomValue(random);
  else target[key] = randomValue(random);
  return body;
}

export interface RawResponse {
  status: number;
  contentType: string;
  text: string;
}

/**
 * One request on its own connection (node:http, no keep-alive): a server may
 * close a connection after answering early (413) while the client still sends,
 * which would otherwise break the next request that reuses it.
 */
export function sendRaw(baseUrl: string, request: HostileRequest, headers: Record<string, string> = {}): Promise<RawResponse> {
  const body = typeof request.body === 'string' ? Buffer.from(request.body) : request.body;
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      `${baseUrl}${request.path}`,
      {
        method: request.method,
        agent: false,
        timeout: 20_000,
        headers: {
          ...headers,
          ...(request.headers ?? {}),
          ...(body && !request.chunked ? { 'content-length': String(body.byteLength) } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            contentType: res.headers['content-type'] ?? '',
            text: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${request.name}: no answer within 20 s`)));
    req.on('error', reject);
    if (body && request.chunked) {
      for (let at = 0; at < body.byteLength; at += 64 * 1024) req.write(body.subarray(at, at + 64 * 1024));
      req.end();
    } else req.end(body);
  });
}

/** A 4xx with a JSON error carrying a stable code, and nothing that looks like a stack trace or a source path. */
export function assertCleanRejection(
  request: HostileRequest,
  response: RawResponse,
): { status: number; code: string | undefined } {
  const { text } = response;
  const label = `${request.name}: ${request.method} ${request.path} -> ${response.status} ${text.slice(0, 300)}`;
  assert.ok(response.status < 500, label);
  assert.doesNotMatch(text, /\n\s+at |node:internal|\/src\/|\.ts:\d+|SqliteError|TypeError|RangeError/, label);
  if (request.mayPass && response.status < 400) return { status: response.status, code: undefined };
  assert.ok(response.status >= 400, label);
  assert.match(response.contentType, /application\/json/, label);
  const body = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
  const code = body.error?.code;
  assert.equal(typeof code, 'string', label);
  assert.ok(STABLE_CODES.has(code as string), `unknown code ${String(code)}; ${label}`);
  assert.equal(typeof body.error?.message, 'string', label);
  if (request.code !== undefined) assert.equal(code, request.code, label);
  return { status: response.status, code: code as string };
}
