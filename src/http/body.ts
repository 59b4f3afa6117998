import type { Context } from 'hono';
import type { z } from 'zod';
import { AppError } from '../errors.js';

function describePath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((text, key) => (typeof key === 'number' ? `${text}[${key}]` : text ? `${text}.${String(key)}` : String(key)), '');
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
 * Reads and validates a JSON body. Reading the text first (rather than
 * c.req.json()) lets malformed JSON get its own error code.
 */
export async function readJsonBody<T>(c: Context, schema: z.ZodType<T>): Promise<T> {
  const text = await c.req.text();
  if (text.trim() === '') throw new AppError('invalid_request', 400, 'request body is empty; send a JSON object');
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new AppError('invalid_json', 400, `request body is not valid JSON: ${(error as Error).message}`);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new AppError('invalid_request', 400, describeValidation(parsed.error));
  return parsed.data;
}
