import { writeSync } from 'node:fs';
import { pino } from 'pino';
import type { LogLevel } from './config.js';
import { redactSecrets } from './providers/secret-redaction.js';

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

/**
 * stderr, one write per event-loop turn. A write to a pipe is synchronous and,
 * when it wakes the reader, one of the dearest calls on a request's path (the
 * access line alone was ~5% of an explicit-model proxy call in the profile).
 * Lines logged while a request is handled now leave after its response (the
 * flush runs in the turn's check phase, after the response was written), and
 * under load one write carries every line of the turn. Pending lines are
 * written synchronously when the process exits, process.exit() included; only
 * a hard kill can lose the current turn's lines.
 */
function createStderrBatch(): (line: string) => void {
  let pending: string[] = [];
  let scheduled = false;
  let exitHooked = false;
  const take = (): string => {
    const text = pending.join('');
    pending = [];
    return text;
  };
  const flush = (): void => {
    scheduled = false;
    if (pending.length > 0) process.stderr.write(take());
  };
  return (line) => {
    pending.push(line);
    if (!exitHooked) {
      exitHooked = true;
      process.once('exit', () => {
        try {
          if (pending.length > 0) writeSync(2, take());
        } catch {
          // stderr is gone (a closed pipe): nowhere left to report it.
        }
      });
    }
    if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  };
}

let stderrBatch: ((line: string) => void) | undefined;
const writeStderr = (line: string): void => (stderrBatch ??= createStderrBatch())(line);

/**
 * `secrets` (the keys in the environment) are removed from every line, in
 * every encoding an upstream might echo them in (see secret-redaction.ts),
 * whichever field or message carries them.
 */
export function createLogger(
  level: LogLevel,
  write: (line: string) => void = writeStderr,
  secrets: readonly string[] = [],
): Logger {
  const output = secrets.length === 0 ? write : (line: string) => write(redactSecrets(line, secrets));
  const instance = pino(
    {
      level,
      base: null,
      messageKey: 'msg',
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACT, censor: '[redacted]' },
    },
    { write: output },
  );
  return wrap(instance);
}

export const silentLogger: Logger = createLogger('silent');
