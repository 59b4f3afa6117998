import { join } from 'node:path';
import { z } from 'zod';
import { StrategySchema, type Strategy } from './routing/strategy.js';

/**
 * The environment, parsed once at boot. This is the only module that reads
 * process.env; everything else receives a Config.
 */

const booleanFromEnv = z
  .enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off', ''])
  .transform((value) => ['true', '1', 'yes', 'on'].includes(value));

const positiveInt = z.coerce.number().int().positive();

export const EMBEDDER_CHOICES = ['auto', 'minilm', 'use-lite'] as const;
export type EmbedderChoice = (typeof EMBEDDER_CHOICES)[number];

const TRACE_EXPORTERS = ['otlp', 'console', 'none'] as const;
const OTLP_PROTOCOLS = ['http/protobuf', 'http/json'] as const;
const otlpProtocolMessage = { message: 'use http/protobuf or http/json (grpc is not built in)' };
export const TRACE_SAMPLERS = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
] as const;
export type TraceSamplerName = (typeof TRACE_SAMPLERS)[number];

/** `key1=value1,key2=value2`, values percent-decoded, as the OpenTelemetry environment specification writes lists. */
const keyValueList = z.string().transform((text, ctx) => {
  const pairs: Record<string, string> = {};
  for (const item of text.split(',')) {
    if (item.trim() === '') continue;
    const at = item.indexOf('=');
    const key = at > 0 ? item.slice(0, at).trim() : '';
    if (key === '') {
      // Only what comes before a ':' or a space: these lists carry credentials, and the message reaches stderr.
      const start = item.trim().split(/[:\s]/)[0]!.slice(0, 24);
      ctx.addIssue({ code: 'custom', message: `an item starting "${start}" is not key=value` });
      return z.NEVER;
    }
    try {
      pairs[key] = decodeURIComponent(item.slice(at + 1).trim());
    } catch {
      ctx.addIssue({ code: 'custom', message: `the value of ${key} is not valid percent-encoding` });
      return z.NEVER;
    }
  }
  return pairs;
});

const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const EnvSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().min(1).default('0.0.0.0'),
  DATABASE_PATH: z.string().min(1).default('./data/router.db'),
  ROUTES_DATA_DIR: z.string().min(1).default('./routes-data'),
  SEED_ON_START: booleanFromEnv.default(true),
  EMBEDDER: z.enum(EMBEDDER_CHOICES).default('auto'),
  MINILM_MODEL_ID: z.string().min(1).default('Xenova/all-MiniLM-L6-v2'),
  MINILM_MODEL_DIR: z.string().min(1).optional(),
  MINILM_QUANTIZED: booleanFromEnv.default(true),
  MODEL_CACHE_DIR: z.string().min(1).default('./.cache/transformers'),
  EMBEDDING_OFFLINE: booleanFromEnv.default(false),
  ROUTING_STRATEGY: StrategySchema.default('balanced'),
  MAX_QUERY_CHARS: positiveInt.default(32_000),
  MAX_BODY_BYTES: positiveInt.default(1_048_576),
  ROUTE_BATCH_MAX: positiveInt.max(1000).default(64),
  SESSION_TTL_SECONDS: positiveInt.default(1800),
  SESSION_MAX_ENTRIES: positiveInt.default(100_000),
  SESSION_MEMORY_MAX_BYTES: positiveInt.default(16 * 1024 * 1024),
  TURN_MEMORY_SIZE: z.coerce.number().int().min(0).default(10_000),
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  EMBED_CACHE_SIZE: z.coerce.number().int().min(0).default(10_000),
  EMBED_CACHE_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(0)
    .default(32 * 1024 * 1024),
  EMBED_BATCH_MAX: positiveInt.max(256).default(16),
  EMBED_BATCH_WINDOW_MS: z.coerce.number().min(0).max(1000).default(0),
  ONNX_INTRA_OP_THREADS: z.coerce.number().int().min(0).max(256).default(0),
  EMBED_WORKERS: z.coerce.number().int().min(0).max(64).default(1),
  SCORING_COARSE_MIN_ROWS: z.coerce.number().int().min(0).default(1024),
  UPSTREAM_ATTEMPT_TIMEOUT_MS: positiveInt.default(60_000),
  UPSTREAM_TOTAL_TIMEOUT_MS: positiveInt.default(120_000),
  BREAKER_FAILURE_THRESHOLD: positiveInt.default(5),
  BREAKER_COOLDOWN_MS: positiveInt.default(30_000),
  LEDGER_STORE_PROMPTS: booleanFromEnv.default(false),
  RESPONSES_TTL_SECONDS: z.coerce
    .number()
    .int()
    .min(0)
    .default(30 * 24 * 3600),
  CLIENT_API_KEYS: z.string().optional(),
  ADMIN_API_KEY: z.string().min(16, 'use at least 16 characters').optional(),
  RATE_LIMIT_PER_SECOND: z.coerce.number().min(0).default(0),
  RATE_LIMIT_BURST: positiveInt.default(60),
  REQUEST_TIMEOUT_MS: positiveInt.default(30_000),
  MAX_MESSAGES: positiveInt.max(100_000).default(1000),
  CASCADE_MODEL: z.string().min(1).optional(),
  CASCADE_MAX_MARGIN: z.coerce.number().min(0).max(2).default(0.0125),
  CASCADE_TIMEOUT_MS: positiveInt.max(60_000).default(1500),
  CASCADE_CACHE_SIZE: z.coerce.number().int().min(0).default(10_000),
  PROMOTION_CHECK: z.enum(['off', 'flag', 'refuse']).default('off'),
  PROMOTION_CHECK_TOLERANCE: z.coerce.number().min(0).max(1).default(0.005),
  PROMOTION_VALIDATION_SET: z.string().min(1).optional(),
  DECISION_MEMORY_SIZE: z.coerce.number().int().min(0).default(10_000),
  DECISION_MEMORY_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(0)
    .default(16 * 1024 * 1024),
  SHUTDOWN_GRACE_MS: positiveInt.default(10_000),
  SHUTDOWN_DRAIN_MS: z.coerce.number().int().min(0).default(5_000),
  AUTH_FAILURE_BURST: positiveInt.default(20),
  AUTH_FAILURE_PER_MINUTE: z.coerce.number().min(0).default(30),
  // OpenTelemetry's own names (the SDK environment specification), so a collector setup carries over unchanged.
  OTEL_SDK_DISABLED: booleanFromEnv.default(false),
  OTEL_TRACES_EXPORTER: z.enum(TRACE_EXPORTERS).default('none'),
});

/**
 * The rest of the tracing variables, read only when an exporter is on: OTEL_* set platform-wide for other services
 * (a grpc protocol, a vendor's sampler) must not stop a router whose tracing is off.
 */
const TracingEnvSchema = z.object({
  OTEL_SERVICE_NAME: z.string().min(1).optional(),
  OTEL_RESOURCE_ATTRIBUTES: keyValueList.optional(),
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url().default('http://localhost:4318'),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: z.url().optional(),
  OTEL_EXPORTER_OTLP_PROTOCOL: z.enum(OTLP_PROTOCOLS, otlpProtocolMessage).default('http/protobuf'),
  OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: z.enum(OTLP_PROTOCOLS, otlpProtocolMessage).optional(),
  OTEL_EXPORTER_OTLP_HEADERS: keyValueList.optional(),
  OTEL_EXPORTER_OTLP_TRACES_HEADERS: keyValueList.optional(),
  OTEL_EXPORTER_OTLP_TIMEOUT: positiveInt.default(10_000),
  OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: positiveInt.optional(),
  OTEL_TRACES_SAMPLER: z.enum(TRACE_SAMPLERS).default('parentbased_always_on'),
  OTEL_TRACES_SAMPLER_ARG: z.coerce.number().min(0).max(1).optional(),
});

export interface TracingSettings {
  exporter: 'otlp' | 'console' | 'none';
  serviceName: string;
  /** OTEL_RESOURCE_ATTRIBUTES; `service.name` comes from OTEL_SERVICE_NAME when that is set, which wins. */
  resourceAttributes: Record<string, string>;
  otlp: {
    /** The full traces URL: OTEL_EXPORTER_OTLP_TRACES_ENDPOINT as given, else OTEL_EXPORTER_OTLP_ENDPOINT + /v1/traces. */
    url: string;
    protocol: 'http/protobuf' | 'http/json';
    /** The generic headers, then the traces-only ones over them. */
    headers: Record<string, string>;
    timeoutMs: number;
  };
  sampler: TraceSamplerName;
  /** The ratio of the `traceidratio` samplers (default 1). */
  samplerRatio: number;
}

/** OTEL_EXPORTER_OTLP_ENDPOINT is a base: the signal's path is appended (the specification's rule for the generic variable). */
function otlpTracesUrl(base: string, tracesEndpoint: string | undefined): string {
  if (tracesEndpoint !== undefined) return tracesEndpoint;
  return `${base.replace(/\/+$/, '')}/v1/traces`;
}

export interface Config {
  port: number;
  host: string;
  databasePath: string;
  routesDataDir: string;
  seedOnStart: boolean;
  embedder: {
    choice: EmbedderChoice;
    minilmModelId: string;
    minilmModelDir: string | undefined;
    minilmQuantized: boolean;
    modelCacheDir: string;
    offline: boolean;
    /** <ROUTES_DATA_DIR>/model-identity: the behaviour-check references a loaded model is compared with. */
    identityDir: string;
  };
  /** The request-path fast path around the embedder (see docs/performance.md). */
  embedding: {
    /** Query embeddings kept in the LRU cache, keyed by a hash of the normalised text; 0 turns the cache off. */
    cacheSize: number;
    /** The bytes the cache may hold, vectors and keys together. */
    cacheMaxBytes: number;
    /** Most texts embedded in one model call when concurrent requests are batched together. */
    batchMax: number;
    /** How long the first waiting text holds the batch open for others; 0 waits only for the current event-loop turn. */
    batchWindowMs: number;
    /** onnxruntime intra-op threads for MiniLM; 0 lets onnxruntime pick (one per core). */
    onnxIntraOpThreads: number;
    /** Worker threads running MiniLM off the event loop; 0 runs it on the main thread. */
    workers: number;
  };
  /** Exemplar scoring (see docs/performance.md). */
  scoring: {
    /** Axes with at least this many exemplars get an int8 copy for coarse-to-fine scoring (same results); 0 never. */
    coarseMinRows: number;
  };
  routing: {
    defaultStrategy: Strategy;
    maxQueryChars: number;
    maxBodyBytes: number;
    batchMax: number;
    sessionTtlMs: number;
    sessionMaxEntries: number;
    /** The bytes the session memory may hold (sessions are keyed by a hash of their id). */
    sessionMaxBytes: number;
    /** Turns whose first-step model is remembered for their tool loops (about 100 bytes each; 0 turns it off). */
    turnMemorySize: number;
  };
  logLevel: LogLevel;
  proxy: {
    attemptTimeoutMs: number;
    totalTimeoutMs: number;
    breakerFailureThreshold: number;
    breakerCooldownMs: number;
    storePrompts: boolean;
    /** How long POST /v1/responses keeps a stored response for previous_response_id; 0 stores nothing. */
    responsesTtlMs: number;
  };
  access: {
    /** Keys clients must present on /v1/*; empty means open (the service warns at boot). */
    clientKeys: string[];
    adminKey: string | undefined;
    /** Token bucket per key (or per address without keys); 0 turns it off. */
    rateLimitPerSecond: number;
    rateLimitBurst: number;
    requestTimeoutMs: number;
    maxMessages: number;
    /** Failed authentications an address may make in a burst before it gets 429s; refills at `authFailuresPerMinute`. */
    authFailureBurst: number;
    /** 0 turns the failed-authentication limit off. */
    authFailuresPerMinute: number;
  };
  /**
   * Opt-in second opinion on uncertain tiers (src/cascade/tier-cascade.ts): off
   * while `model` is unset.
   */
  cascade: {
    /** A model id of routes-data/routing.json, asked to pick the tier. */
    model: string | undefined;
    /** Ask only when the tier margin (best minus second-best score) is below this. */
    maxMargin: number;
    timeoutMs: number;
    cacheSize: number;
  };
  /**
   * The regression check before exemplar changes (src/exemplars/regression-guard.ts):
   * leave-one-out and validation accuracy before and after.
   */
  promotionCheck: {
    /** `off`; `flag`: apply and report a regression; `refuse`: answer 409 and change nothing. */
    mode: 'off' | 'flag' | 'refuse';
    /** How far (as a share, 0.005 = half a point) a figure may fall before it counts as a regression. */
    tolerance: number;
    /** A JSONL file of `{"text","label","axis"?}` rows; none by default. */
    validationSetPath: string | undefined;
  };
  decisionMemorySize: number;
  /** The bytes remembered decisions may take. */
  decisionMemoryMaxBytes: number;
  shutdownGraceMs: number;
  /** After SIGTERM: how long the service keeps accepting and answering (readiness false, `connection: close`) before it closes. */
  shutdownDrainMs: number;
  /** OpenTelemetry traces (src/tracing): off while `exporter` is `none`, and then no SDK is started. */
  tracing: TracingSettings;
  /** Provider keys and base URLs, looked up by the names routes-data/routing.json gives. */
  providerEnv: Readonly<Record<string, string | undefined>>;
  /** Every key value in the environment (`*_API_KEY`, `*_API_KEYS`): redacted from every log line in every encoding. */
  secrets: readonly string[];
}

/** Key values: provider keys by their SDK names (`OPENAI_API_KEY`, `GEMINI_API_KEY`, ...), client and admin keys. */
function secretValues(env: Record<string, string>): string[] {
  return Object.entries(env)
    .filter(([name]) => /_API_KEYS?$/.test(name))
    .flatMap(([, value]) => value.split(','))
    .map((value) => value.trim())
    .filter((value) => value.length >= 8);
}

/** OTLP header values are usually a collector's API key (`x-honeycomb-team=...`, `authorization=Bearer ...`). */
function otlpHeaderSecrets(e: z.infer<typeof TracingEnvSchema>): string[] {
  const urlPasswords = [e.OTEL_EXPORTER_OTLP_ENDPOINT, e.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT]
    .flatMap((url) => {
      const password = url === undefined ? '' : new URL(url).password;
      // As written in the URL and as sent (decoded); a malformed escape is redacted as written.
      let decoded = password;
      try {
        decoded = decodeURIComponent(password);
      } catch {}
      return [password, decoded];
    })
    .filter((password) => password !== '');
  return [
    ...Object.values(e.OTEL_EXPORTER_OTLP_HEADERS ?? {}),
    ...Object.values(e.OTEL_EXPORTER_OTLP_TRACES_HEADERS ?? {}),
    ...urlPasswords,
  ]
    .flatMap((value) => [value, value.replace(/^Bearer\s+/i, '')])
    .filter((value) => value.length >= 8);
}

/** The name and default of every variable this module reads (the README's Settings table must list each one). */
export function settingDefaults(): Map<string, unknown> {
  const shapes = { ...EnvSchema.shape, ...TracingEnvSchema.shape };
  return new Map(Object.entries(shapes).map(([name, schema]) => [name, schema.safeParse(undefined).data]));
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid environment:\n${problems.map((line) => `  ${line}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Empty strings count as unset, so `FOO= npm start` means "use the default". */
function withoutEmpty(env: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== ''),
  );
}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = EnvSchema.safeParse(withoutEmpty(env));
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`));
  }
  const e = parsed.data;
  const exporter = e.OTEL_SDK_DISABLED ? 'none' : e.OTEL_TRACES_EXPORTER;
  const tracingEnv = TracingEnvSchema.safeParse(exporter === 'none' ? {} : withoutEmpty(env));
  if (!tracingEnv.success) {
    throw new ConfigError(tracingEnv.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`));
  }
  const t = tracingEnv.data;
  const resourceAttributes = t.OTEL_RESOURCE_ATTRIBUTES ?? {};
  return {
    port: e.PORT,
    host: e.HOST,
    databasePath: e.DATABASE_PATH,
    routesDataDir: e.ROUTES_DATA_DIR,
    seedOnStart: e.SEED_ON_START,
    embedder: {
      choice: e.EMBEDDER,
      minilmModelId: e.MINILM_MODEL_ID,
      minilmModelDir: e.MINILM_MODEL_DIR,
      minilmQuantized: e.MINILM_QUANTIZED,
      modelCacheDir: e.MODEL_CACHE_DIR,
      offline: e.EMBEDDING_OFFLINE,
      identityDir: join(e.ROUTES_DATA_DIR, 'model-identity'),
    },
    embedding: {
      cacheSize: e.EMBED_CACHE_SIZE,
      cacheMaxBytes: e.EMBED_CACHE_MAX_BYTES,
      batchMax: e.EMBED_BATCH_MAX,
      batchWindowMs: e.EMBED_BATCH_WINDOW_MS,
      onnxIntraOpThreads: e.ONNX_INTRA_OP_THREADS,
      workers: e.EMBED_WORKERS,
    },
    scoring: {
      coarseMinRows: e.SCORING_COARSE_MIN_ROWS,
    },
    routing: {
      defaultStrategy: e.ROUTING_STRATEGY,
      maxQueryChars: e.MAX_QUERY_CHARS,
      maxBodyBytes: e.MAX_BODY_BYTES,
      batchMax: e.ROUTE_BATCH_MAX,
      sessionTtlMs: e.SESSION_TTL_SECONDS * 1000,
      sessionMaxEntries: e.SESSION_MAX_ENTRIES,
      sessionMaxBytes: e.SESSION_MEMORY_MAX_BYTES,
      turnMemorySize: e.TURN_MEMORY_SIZE,
    },
    logLevel: e.LOG_LEVEL,
    access: {
      clientKeys: (e.CLIENT_API_KEYS ?? '')
        .split(',')
        .map((key) => key.trim())
        .filter((key) => key !== ''),
      adminKey: e.ADMIN_API_KEY,
      rateLimitPerSecond: e.RATE_LIMIT_PER_SECOND,
      rateLimitBurst: e.RATE_LIMIT_BURST,
      requestTimeoutMs: e.REQUEST_TIMEOUT_MS,
      maxMessages: e.MAX_MESSAGES,
      authFailureBurst: e.AUTH_FAILURE_BURST,
      authFailuresPerMinute: e.AUTH_FAILURE_PER_MINUTE,
    },
    cascade: {
      model: e.CASCADE_MODEL,
      maxMargin: e.CASCADE_MAX_MARGIN,
      timeoutMs: e.CASCADE_TIMEOUT_MS,
      cacheSize: e.CASCADE_CACHE_SIZE,
    },
    promotionCheck: {
      mode: e.PROMOTION_CHECK,
      tolerance: e.PROMOTION_CHECK_TOLERANCE,
      validationSetPath: e.PROMOTION_VALIDATION_SET,
    },
    decisionMemorySize: e.DECISION_MEMORY_SIZE,
    decisionMemoryMaxBytes: e.DECISION_MEMORY_MAX_BYTES,
    shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
    shutdownDrainMs: e.SHUTDOWN_DRAIN_MS,
    proxy: {
      attemptTimeoutMs: e.UPSTREAM_ATTEMPT_TIMEOUT_MS,
      totalTimeoutMs: e.UPSTREAM_TOTAL_TIMEOUT_MS,
      breakerFailureThreshold: e.BREAKER_FAILURE_THRESHOLD,
      breakerCooldownMs: e.BREAKER_COOLDOWN_MS,
      storePrompts: e.LEDGER_STORE_PROMPTS,
      responsesTtlMs: e.RESPONSES_TTL_SECONDS * 1000,
    },
    tracing: {
      exporter,
      // The specification's order: OTEL_SERVICE_NAME when set, else service.name of OTEL_RESOURCE_ATTRIBUTES.
      serviceName: t.OTEL_SERVICE_NAME ?? resourceAttributes['service.name'] ?? 'semantic-llm-router',
      resourceAttributes,
      otlp: {
        url: otlpTracesUrl(t.OTEL_EXPORTER_OTLP_ENDPOINT, t.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT),
        protocol: t.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? t.OTEL_EXPORTER_OTLP_PROTOCOL,
        headers: { ...t.OTEL_EXPORTER_OTLP_HEADERS, ...t.OTEL_EXPORTER_OTLP_TRACES_HEADERS },
        timeoutMs: t.OTEL_EXPORTER_OTLP_TRACES_TIMEOUT ?? t.OTEL_EXPORTER_OTLP_TIMEOUT,
      },
      sampler: t.OTEL_TRACES_SAMPLER,
      samplerRatio: t.OTEL_TRACES_SAMPLER_ARG ?? 1,
    },
    providerEnv: Object.freeze({ ...env }),
    secrets: [...new Set([...secretValues(withoutEmpty(env)), ...otlpHeaderSecrets(t)])],
  };
}
