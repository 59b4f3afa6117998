import { z } from 'zod';

/**
 * The environment, parsed once at boot. This is the only module that reads
 * process.env; everything else receives a Config.
 */

const booleanFromEnv = z
  .enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off', ''])
  .transform((value) => ['true', '1', 'yes', 'on'].includes(value));

const positiveInt = z.coerce.number().int().positive();

export const STRATEGIES = ['cost_optimized', 'balanced', 'quality_optimized'] as const;
export const StrategySchema = z.enum(STRATEGIES);
export type Strategy = z.infer<typeof StrategySchema>;

export const EMBEDDER_CHOICES = ['auto', 'minilm', 'use-lite'] as const;
export type EmbedderChoice = (typeof EMBEDDER_CHOICES)[number];

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
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
});

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
  };
  routing: {
    defaultStrategy: Strategy;
    maxQueryChars: number;
    maxBodyBytes: number;
    batchMax: number;
    sessionTtlMs: number;
    sessionMaxEntries: number;
  };
  logLevel: LogLevel;
  /** Provider keys and base URLs, looked up by the names routes-data/routing.json gives. */
  providerEnv: Readonly<Record<string, string | undefined>>;
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
    },
    routing: {
      defaultStrategy: e.ROUTING_STRATEGY,
      maxQueryChars: e.MAX_QUERY_CHARS,
      maxBodyBytes: e.MAX_BODY_BYTES,
      batchMax: e.ROUTE_BATCH_MAX,
      sessionTtlMs: e.SESSION_TTL_SECONDS * 1000,
      sessionMaxEntries: e.SESSION_MAX_ENTRIES,
    },
    logLevel: e.LOG_LEVEL,
    providerEnv: Object.freeze({ ...env }),
  };
}
