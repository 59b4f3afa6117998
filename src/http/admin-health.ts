import { Hono } from 'hono';
import type { AppEnv } from './app-env.js';

const round = (value: number) => (Number.isFinite(value) ? Math.round(value * 10000) / 10000 : null);

/** GET /admin/exemplars/health: per-label leave-one-out accuracy, confused pairs, misplaced exemplars, near-duplicates. */
export function adminHealthRoutes(): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();
  routes.get('/admin/exemplars/health', async (c) => {
    const health = await c.get('services').admin.conflicts.health();
    return c.json(
      Object.fromEntries(
        Object.entries(health).map(([axis, bank]) => [
          axis,
          {
            loo_accuracy: round(bank.looAccuracy),
            labels: bank.labels.map((label) => ({
              label: label.label,
              count: label.count,
              loo_accuracy: round(label.looAccuracy),
              cohesion: round(label.cohesion),
              nearest_other: label.nearestOther
                ? { label: label.nearestOther.label, similarity: round(label.nearestOther.similarity) }
                : null,
              separation: round(label.separation),
            })),
            confused_pairs: bank.confusedPairs.slice(0, 20),
            misplaced: bank.misplaced.slice(0, 100).map((row) => ({
              id: row.id,
              text: row.text,
              label: row.label,
              closer_to: row.closerTo,
              own_score: round(row.ownScore),
              other_score: round(row.otherScore),
            })),
            near_duplicates: bank.nearDuplicates.slice(0, 50).map((pair) => ({
              a: { id: pair.a.id, label: pair.a.label, text: pair.a.text },
              b: { id: pair.b.id, label: pair.b.label, text: pair.b.text },
              similarity: round(pair.similarity),
            })),
          },
        ]),
      ),
    );
  });
  return routes;
}
