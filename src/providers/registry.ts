import type { ProviderKind, RoutingTable } from '../routes-config/schemas.js';
import { createAnthropicProvider } from './anthropic-provider.js';
import { createOpenAIProvider } from './openai-provider.js';
import type { Provider } from './types.js';

export interface ProviderConnection {
  apiKey: string;
  baseURL: string | undefined;
  /** routing.json's `responses_api`: the upstream has OpenAI's Responses API. */
  responsesApi?: boolean | undefined;
}
export type ProviderFactory = (connection: ProviderConnection) => Provider;

/** The one place that knows which adapter serves which `kind` in routes-data/routing.json. */
export const PROVIDER_FACTORIES: Readonly<Record<ProviderKind, ProviderFactory>> = {
  openai: createOpenAIProvider,
  anthropic: createAnthropicProvider,
};

export interface ProviderStatus {
  name: string;
  kind: ProviderKind;
  available: boolean;
  /** Why it is unavailable, naming the variable to set; never a value. */
  reason?: string;
}

export interface ProviderRegistry {
  isAvailable(name: string): boolean;
  /** The provider, or undefined when it is not configured or has no key. */
  get(name: string): Provider | undefined;
  list(): ProviderStatus[];
}

export interface ProviderRegistryOptions {
  table: RoutingTable;
  /** The environment as config.ts read it; the only source of keys and base-URL overrides. */
  env: Readonly<Record<string, string | undefined>>;
  factories?: Readonly<Record<ProviderKind, ProviderFactory>>;
}

/**
 * One provider per entry of the routing table whose key variable is set. A
 * provider without a key is not an error: its candidates are skipped, so a user
 * with only an OpenAI key has a working router.
 */
export function createProviderRegistry(options: ProviderRegistryOptions): ProviderRegistry {
  const factories = options.factories ?? PROVIDER_FACTORIES;
  const providers = new Map<string, Provider>();
  const statuses: ProviderStatus[] = [];

  for (const [name, config] of Object.entries(options.table.providers)) {
    const apiKey = nonEmpty(options.env[config.api_key_env]);
    if (apiKey === undefined) {
      statuses.push({ name, kind: config.kind, available: false, reason: `${config.api_key_env} is not set` });
      continue;
    }
    const override = config.base_url_env === undefined ? undefined : nonEmpty(options.env[config.base_url_env]);
    const connection: ProviderConnection = { apiKey, baseURL: override ?? config.base_url };
    if (config.responses_api === true) connection.responsesApi = true;
    providers.set(name, factories[config.kind](connection));
    statuses.push({ name, kind: config.kind, available: true });
  }

  return {
    isAvailable: (name) => providers.has(name),
    get: (name) => providers.get(name),
    list: () => statuses.map((status) => ({ ...status })),
  };
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed === undefined || trimmed === '' ? undefined : trimmed;
}
