import { pino } from 'pino';
import type { LogLevel } from './config.js';

/**
 * Structured JSON logs, one object per line on stderr (pino), so stdout stays
 * free. Anything that looks like a credential is redacted wherever it appears
 * in the fields.
 */
export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  /** A logger that adds `fields` to every line (e.g. the request id). */
  child(fields: Record<string, unknown>): Logger;
}

const REDACT = [
  'authorization',
  'api_key',
  'apiKey',
  'x-api-key',
  '*.authorization',
  '*.api_key',
  '*.apiKey',
  '*["x-api-key"]',
  'headers.authorization',
  'headers["x-api-key"]',
];

function wrap(instance: pino.Logger): Logger {
  const emit = (level: 'debug' | 'info' | 'warn' | 'error') => (message: string, fields?: Record<string, unknown>) => {
    if (fields) instance[level](fields, message);
    else instance[level](message);
  };
  return {
    debug: emit('debug'),
    info: emit('info'),
    warn: emit('warn'),
    error: emit('error'),
    child: (fields) => wrap(instance.child(fields)),
  };
}

export function createLogger(level: LogLevel, write: (line: string) => void = (line) => process.stderr.write(line)): Logger {
  const instance = pino(
    {
      level,
      base: null,
      messageKey: 'msg',
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACT, censor: '[redacted]' },
    },
    { write },
  );
  return wrap(instance);
}

export const silentLogger: Logger = createLogger('silent');
