/**
 * One error type for everything the service reports to a client. The code is a
 * stable string clients can match on; the message says what to fix.
 */
export type ErrorCode =
  | 'invalid_json'
  | 'invalid_request'
  | 'payload_too_large'
  | 'not_found'
  | 'conflict'
  | 'exemplar_regression'
  | 'method_not_allowed'
  | 'unknown_model'
  | 'unknown_strategy'
  | 'previous_response_not_found'
  | 'response_not_found'
  | 'invalid_routes_data'
  | 'not_ready'
  | 'no_candidate_available'
  | 'upstream_error'
  | 'upstream_timeout'
  | 'client_closed'
  | 'request_timeout'
  | 'unauthorized'
  | 'forbidden'
  | 'rate_limited'
  | 'internal_error';

export type AppErrorStatus = 400 | 401 | 403 | 404 | 405 | 408 | 409 | 413 | 415 | 422 | 429 | 500 | 502 | 503 | 504;

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: AppErrorStatus;
  readonly details: Record<string, unknown> | undefined;
  /** Response headers the answer carries besides the body, e.g. the decision a failed proxied call was made under. */
  readonly headers: Readonly<Record<string, string>> | undefined;

  constructor(
    code: ErrorCode,
    status: AppErrorStatus,
    message: string,
    details?: Record<string, unknown>,
    headers?: Readonly<Record<string, string>>,
  ) {
    super(message);
    this.name = 'AppError';
    this.code = code;
    this.status = status;
    this.details = details;
    this.headers = headers;
  }

  /** The same error, answered with `headers` too. */
  withHeaders(headers: Readonly<Record<string, string>>): AppError {
    return new AppError(this.code, this.status, this.message, this.details, { ...this.headers, ...headers });
  }
}

export interface ErrorBody {
  error: { code: ErrorCode; message: string } & Record<string, unknown>;
}

export function renderError(error: AppError): ErrorBody {
  return { error: { code: error.code, message: error.message, ...(error.details ?? {}) } };
}
