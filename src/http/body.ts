import type { Context } from 'hono';
import type { z } from 'zod';
import { AppError } from '../errors.js';
import { readRequestBytes } from './node-request.js';

function describePath(path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (text, key) => (typeof key === 'number' ? `${text}[${key}]` : text ? `${text}.${String(key)}` : String(key)),
    '',
  );
}

/** One line per problem, each naming the field, so a client knows exactly what to fix. */
export function describeValidation(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => {
      const where = describePath(issue.path);
      return where ? `${where}: ${issue.message}` : issue.message;
    })
    .join('; ');
}

/**
 * Far deeper than any real request (tool schemas included), far shallower than
 * what overflows the stack of the recursive JSON.stringify that forwards a
 * body upstream (about 10,000 levels): deeper bodies are refused here.
 */
export const MAX_JSON_DEPTH = 64;

/** Iterative, so a hostile body cannot overflow the stack while being measured. */
function exceedsDepth(value: unknown, limit: number): boolean {
  const pending: { value: unknown; depth: number }[] = [{ value, depth: 0 }];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    if (typeof next.value !== 'object' || next.value === null) continue;
    if (next.depth >= limit) return true;
    for (const child of Object.values(next.value)) pending.push({ value: child, depth: next.depth + 1 });
  }
  return false;
}

const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The body as text, refusing bytes that are not UTF-8: a lenient decode would
 * turn them into U+FFFD and route, or store, text the client never sent.
 */
export async function readUtf8Body(c: Context, code: 'invalid_json' | 'invalid_request'): Promise<string> {
  const bytes = await readRequestBytes(c);
  try {
    return STRICT_UTF8.decode(bytes);
  } catch {
    throw new AppError(code, 400, 'request body is not valid UTF-8');
  }
}

/**
 * Reads and validates a JSON body. Reading the text first (rather than
 * c.req.json()) lets malformed JSON get its own error code.
 */
export async function readJsonBody<T>(c: Context, schema: z.ZodType<T>): Promise<T> {
  const text = await readUtf8Body(c, 'invalid_json');
  if (text.trim() === '') throw new AppError('invalid_request', 400, 'request body is empty; send a JSON object');
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new AppError('invalid_json', 400, `request body is not valid JSON: ${(error as Error).message}`);
  }
  if (exceedsDepth(raw, MAX_JSON_DEPTH))
    throw new AppError('invalid_request', 400, `request body is nested deeper than ${MAX_JSON_DEPTH} levels`);
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new AppError('invalid_request', 400, describeValidation(parsed.error));
  return parsed.data;
}
