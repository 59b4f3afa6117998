import { StrategySchema, type Strategy } from '../routing/strategy.js';
import { AppError } from '../errors.js';
import type { RoutingTable } from '../routes-config/schemas.js';

export const AUTO_MODEL = 'auto';

export type ModelChoice = { kind: 'auto'; strategy: Strategy | undefined } | { kind: 'fixed'; modelId: string };

/**
 * `auto` routes; `auto:<strategy>` routes with that strategy; a model of the
 * routing table (by our id or the provider's name) passes through. Anything
 * else is refused with the list of valid names, so a typo never silently
 * reaches a provider.
 */
export function resolveModelChoice(model: string, table: RoutingTable, strategyHeader: string | undefined): ModelChoice {
  const parseStrategy = (value: string, where: string): Strategy => {
    const parsed = StrategySchema.safeParse(value);
    if (!parsed.success) {
      throw new AppError(
        'unknown_strategy',
        400,
        `${where}: unknown strategy "${value}"; expected one of ${StrategySchema.options.join(', ')}`,
      );
    }
    return parsed.data;
  };
  if (model === AUTO_MODEL || model.startsWith(`${AUTO_MODEL}:`)) {
    const suffix = model.slice(AUTO_MODEL.length + 1);
    if (suffix !== '') return { kind: 'auto', strategy: parseStrategy(suffix, 'model') };
    return {
      kind: 'auto',
      strategy: strategyHeader === undefined ? undefined : parseStrategy(strategyHeader, 'x-router-strategy header'),
    };
  }
  if (model in table.models) return { kind: 'fixed', modelId: model };
  const byProviderName = Object.entries(table.models).find(([, config]) => config.model === model);
  if (byProviderName) return { kind: 'fixed', modelId: byProviderName[0] };
  const valid = [
    AUTO_MODEL,
    ...StrategySchema.options.map((strategy) => `${AUTO_MODEL}:${strategy}`),
    ...Object.keys(table.models),
  ];
  throw new AppError('unknown_model', 400, `model "${model}" is not configured; use one of ${valid.join(', ')}`);
}
