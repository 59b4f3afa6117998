/**
 * The JSON the dashboard reads from the service's own API, as far as it reads
 * it. The server's shapes live in src/http/; these are the browser's view of them.
 */

export interface Candidate {
  model: string;
  provider: string;
  tier: string;
  available: boolean;
}

export interface RouteDecision {
  decision_id: string;
  tier: string;
  intent: string;
  provider: string | null;
  model: string | null;
  available: boolean;
  fallbacks: Candidate[];
  strategy: string;
  reason: string;
  scores: { tier: Record<string, number>; intent: Record<string, number> };
  margins: { tier: number; intent: number };
  scored_tier: string;
  adjustments: string[];
  top_exemplars: { id: number; axis: string; label: string; text: string; similarity: number }[];
  rule_hits: ({ id: string } & Record<string, unknown>)[];
  embedder: { id: string; standin: boolean };
  scoring: string;
  exemplar_set_version: string;
  timings_ms: { embed: number; total: number };
}

export interface ModelEstimate {
  model: string;
  cost_usd: number | null;
  savings_pct: number | null;
}

export interface CostEstimate {
  input_tokens: number;
  output_tokens: number;
  prices_as_of: string;
  baseline: { model: string; cost_usd: number | null };
  models: ModelEstimate[];
}

export interface Readiness {
  exemplars?: { by_lang?: Record<string, number> };
}

export interface ExemplarItem {
  id: number;
  axis: string;
  label: string;
  text: string;
  lang: string;
  source: string;
  closer_to?: { closer_to: string; own_score: number; other_score: number } | null;
}

export interface ExemplarPage {
  total: number;
  items: ExemplarItem[];
}

export interface ExemplarChange {
  revision: number;
  exemplar: ExemplarItem;
}

export interface Totals {
  requests: number;
  errors: number;
  cost_usd: number;
  baseline_cost_usd: number;
  savings_pct: number | null;
}

export interface Stats extends Totals {
  input_tokens: number;
  output_tokens: number;
  by_tier: Record<string, Totals>;
  by_intent: Record<string, Totals>;
  by_model: Record<string, Totals>;
}

export type Bucket = 'minute' | 'hour' | 'day';

export interface Timeseries {
  bucket: Bucket;
  points: { start: string; requests: number }[];
}
