import { renderError, type AppError } from '../errors.js';

/** The error shape a route group speaks: the SDK a client uses for it raises its typed errors only from its own shape. */
export type ErrorProtocol = 'openai' | 'anthropic' | 'house';

/**
 * The OpenAI- and Anthropic-compatible endpoints, as path prefixes; every
 * other path answers in the house shape. A new compatible endpoint is a row here.
 */
const PROTOCOL_ROUTES: readonly { prefix: string; protocol: ErrorProtocol }[] = [
  { prefix: '/v1/chat/completions', protocol: 'openai' },
  { prefix: '/v1/responses', protocol: 'openai' },
  { prefix: '/v1/models', protocol: 'openai' },
  { prefix: '/v1/messages', protocol: 'anthropic' },
];

export function errorProtocolFor(path: string): ErrorProtocol {
  const route = PROTOCOL_ROUTES.find(({ prefix }) => path === prefix || path.startsWith(`${prefix}/`));
  return route?.protocol ?? 'house';
}

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

/** The OpenAI error body, carrying our stable code too. */
export function openAiErrorBody(error: AppError) {
  return {
    error: { message: error.message, type: openAiType(error.status), param: null, code: error.code, ...(error.details ?? {}) },
  };
}

/** The Anthropic error body, carrying our stable code too. */
export function anthropicErrorBody(error: AppError) {
  return {
    type: 'error',
    error: { type: anthropicType(error.status), message: error.message, code: error.code, ...(error.details ?? {}) },
  };
}

/** The body of an error response in the shape of the protocol the request's path speaks. */
export function errorBodyFor(path: string, error: AppError) {
  const protocol = errorProtocolFor(path);
  if (protocol === 'openai') return openAiErrorBody(error);
  if (protocol === 'anthropic') return anthropicErrorBody(error);
  return renderError(error);
}
