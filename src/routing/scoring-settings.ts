import type { Embedder } from '../embedding/embedder.js';
import type { RoutesData } from '../routes-data/load-routes-data.js';
import type { ScoringSettings } from '../routes-data/schemas.js';

export interface ResolvedScoring {
  settings: ScoringSettings;
  /** Where the settings came from, reported in /readyz and every decision. */
  source: string;
}

/** Similarity scales differ between embedders, so each may override the default scoring settings. */
export function resolveScoring(routesData: RoutesData, embedder: Embedder): ResolvedScoring {
  const override = routesData.scoring.by_embedder[embedder.kind];
  if (!override) return { settings: routesData.scoring.default, source: 'default' };
  const defined = Object.fromEntries(Object.entries(override).filter(([, value]) => value !== undefined));
  return { settings: { ...routesData.scoring.default, ...defined }, source: `by_embedder.${embedder.kind}` };
}
