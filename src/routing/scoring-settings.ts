import type { Embedder } from '../embedding/embedder.js';
import type { RoutesData } from '../routes-config/load-routes-data.js';
import type { ScoringSettings } from '../routes-config/schemas.js';

export interface ResolvedScoring {
  settings: ScoringSettings;
  /** Where the settings came from, reported in /readyz and every decision. */
  source: string;
}

function merge(
  base: ScoringSettings,
  override: { [K in keyof ScoringSettings]?: ScoringSettings[K] | undefined },
): ScoringSettings {
  const defined = Object.fromEntries(Object.entries(override).filter(([, value]) => value !== undefined));
  return { ...base, ...defined };
}

/**
 * The key a calibration of this embedder is filed under: the model's name when
 * the embedder proved at load that it behaves as that model (so the Hub's q8
 * export, its fp32 export and our own import share one calibration), else the
 * exact embedder id (USE-lite, or a model nothing can vouch for).
 */
export function calibrationKey(embedder: Pick<Embedder, 'id' | 'model'>): string {
  return embedder.model?.check === 'passed' ? embedder.model.name : embedder.id;
}

/**
 * Similarity scales differ between embedders, so a calibration belongs to one
 * embedder: matched by exact id first, then by verified model name (see
 * calibrationKey); a model whose behaviour check failed matches no name. Without
 * a calibration, the hand-set settings of scoring.json apply (the default, then
 * any override for the embedder kind), and the source says the scoring is uncalibrated.
 */
export function resolveScoring(
  routesData: Pick<RoutesData, 'scoring' | 'calibrations'>,
  embedder: Pick<Embedder, 'id' | 'kind' | 'model'>,
): ResolvedScoring {
  const override = routesData.scoring.by_embedder[embedder.kind];
  const handSet = override ? merge(routesData.scoring.default, override) : routesData.scoring.default;
  const key = calibrationKey(embedder);
  const calibrated =
    routesData.calibrations.find(({ calibration }) => calibration.embedder_id === embedder.id) ??
    routesData.calibrations.find(({ calibration }) => calibration.embedder_id === key);
  if (calibrated) return { settings: merge(handSet, calibrated.calibration.settings), source: `calibrated:${calibrated.file}` };
  return { settings: handSet, source: override ? `by_embedder.${embedder.kind} (uncalibrated)` : 'default (uncalibrated)' };
}
