import type { Embedder } from '../embedding/embedder.js';
import type { RoutesData } from '../routes-config/load-routes-data.js';
import type { ScoringSettings } from '../routes-config/schemas.js';

export interface ResolvedScoring {
  settings: ScoringSettings;
  /** Where the settings came from, reported in /readyz and every decision. */
  source: string;
}

function merge(base: ScoringSettings, override: { [K in keyof ScoringSettings]?: ScoringSettings[K] | undefined }): ScoringSettings {
  const defined = Object.fromEntries(Object.entries(override).filter(([, value]) => value !== undefined));
  return { ...base, ...defined };
}

/**
 * Similarity scales differ between embedders, so a calibration belongs to one
 * embedder id: the active embedder's calibration wins; without one, the
 * hand-set settings of scoring.json apply (the default, then any override for
 * the embedder kind), and the source says the scoring is uncalibrated.
 */
export function resolveScoring(routesData: Pick<RoutesData, 'scoring' | 'calibrations'>, embedder: Pick<Embedder, 'id' | 'kind'>): ResolvedScoring {
  const override = routesData.scoring.by_embedder[embedder.kind];
  const handSet = override ? merge(routesData.scoring.default, override) : routesData.scoring.default;
  const calibrated = routesData.calibrations.find(({ calibration }) => calibration.embedder_id === embedder.id);
  if (calibrated) return { settings: merge(handSet, calibrated.calibration.settings), source: `calibrated:${calibrated.file}` };
  return { settings: handSet, source: override ? `by_embedder.${embedder.kind} (uncalibrated)` : 'default (uncalibrated)' };
}
