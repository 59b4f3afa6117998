import { AppError } from '../errors.js';

/** OpenAI's `error.type` vocabulary, so OpenAI SDKs raise the matching exception class. */
function openAiType(status: number): string {
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_error';
  if (status === 404) return 'not_found_error';
  if (status === 429) return 'rate_limit_error';
  if (status >= 500) return 'api_error';
  return 'invalid_request_error';
}

/** Anthropic's `error.type` vocabulary. */
function anthropicType(status: number): string {
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_error';
  if (status === 404) return 'not_found_error';
  if (status === 413) return 'request_too_large';
  if (status === 429) return 'rate_limit_error';
  if (status === 503 || status === 529) return 'overloaded_error';
  if (status >= 500) return 'api_error';
  return 'invalid_request_error';
}

export function asAppError(error: unknown): AppError | undefined {
  return error instanceof AppError ? error : undefined;
}

/** The OpenAI error body, carrying our stable code too. */
export function openAiErrorBody(error: AppError) {
  return { error: { message: error.message, type: openAiType(error.status), param: null, code: error.code, ...(error.details ?? {}) } };
}

/** The Anthropic error body, carrying our stable code too. */
export function anthropicErrorBody(error: AppError) {
  return { type: 'error', error: { type: anthropicType(error.status), message: error.message, code: error.code, ...(error.details ?? {}) } };
}
