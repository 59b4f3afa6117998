import { Hono } from 'hono';
import { z } from 'zod';
import { AppError } from '../errors.js';
import { IntentSchema, LangSchema, TierSchema } from '../routes-config/schemas.js';
import type { AppEnv } from './app-env.js';
import { callerFingerprint, identifyCaller, presentedKey, type AccessKeys } from './auth.js';
import { describeValidation, readJsonBody } from './body.js';
import { checkedView, exemplarView } from './admin-exemplars.js';

const FeedbackSchema = z
  .object({
    decision_id: z.string().min(1).max(100),
    /** 1 (bad) to 5 (good). */
    rating: z.number().int().min(1).max(5).optional(),
    /** The labels the query should have had. */
    expected: z.object({ tier: TierSchema.optional(), intent: IntentSchema.optional() }).strict().optional(),
    /** The query text, when the router may no longer remember the decision (after a restart). */
    text: z.string().trim().min(1).max(4000).optional(),
    comment: z.string().max(2000).optional(),
  })
  .strict()
  .refine((body) => body.rating !== undefined || body.expected?.tier !== undefined || body.expected?.intent !== undefined, {
    message: 'send a rating (1-5) or the expected tier/intent',
  });

/**
 * POST /v1/feedback (clients). A remembered decision takes feedback only from
 * the key that asked for it (or the admin key): decision ids travel in headers
 * and logs, and another key must neither attach feedback to a decision nor
 * learn anything about it. The remembered query is there only when
 * LEDGER_STORE_PROMPTS allows keeping prompts; otherwise a correction stores
 * the `text` its sender chose to send, or none.
 */
export function feedbackRoutes(keys: AccessKeys): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();
  routes.post('/v1/feedback', async (c) => {
    const body = await readJsonBody(c, FeedbackSchema);
    const { feedback, router } = c.get('services');
    const remembered = router.recall(body.decision_id);
    const isAdmin = identifyCaller(keys, presentedKey(c)).role === 'admin';
    if (remembered !== undefined && !isAdmin && remembered.owner !== callerFingerprint(c)) {
      // Nothing about the decision comes back: not its labels, not its query.
      throw new AppError('not_found', 404, `no decision ${body.decision_id} made with this API key is in recent memory`);
    }
    const isCorrection = body.expected !== undefined;
    if (isCorrection && !remembered && body.text === undefined) {
      throw new AppError(
        'not_found',
        404,
        `decision ${body.decision_id} is not in recent memory; include "text" (the query) with the correction`,
      );
    }
    const record = feedback.add({
      decisionId: body.decision_id,
      rating: body.rating,
      expectedTier: body.expected?.tier,
      expectedIntent: body.expected?.intent,
      decidedTier: remembered?.tier,
      decidedIntent: remembered?.intent,
      // The query is kept only for corrections, which need it to become an exemplar.
      query: isCorrection ? (body.text ?? remembered?.query) : undefined,
      comment: body.comment,
    });
    return c.json({ feedback: record }, 201);
  });
  return routes;
}

const ListSchema = z.object({
  status: z.enum(['open', 'promoted', 'dismissed']).optional(),
  corrections: z.enum(['true', 'false']).default('true'),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  offset: z.coerce.number().int().min(0).default(0),
});

/** Admin: list corrections, promote chosen ones into exemplars (the fix for a misroute), or dismiss them. */
export function adminFeedbackRoutes(): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();
  routes.get('/admin/feedback', (c) => {
    const query = ListSchema.safeParse(c.req.query());
    if (!query.success) throw new AppError('invalid_request', 400, describeValidation(query.error));
    return c.json(
      c.get('services').feedback.list({
        status: query.data.status,
        correctionsOnly: query.data.corrections === 'true',
        limit: query.data.limit,
        offset: query.data.offset,
      }),
    );
  });

  // Promotion awaits embedding between its status check and its mark; without this claim two concurrent promotes of
  // one correction both passed the check. Exemplar edits and the feedback table are per replica, so a claim in
  // memory is enough.
  const promoting = new Set<number>();
  routes.post('/admin/feedback/:id/promote', async (c) => {
    const id = Number(c.req.param('id'));
    const lang = c.req.query('lang') ?? 'en';
    if (!LangSchema.safeParse(lang).success)
      throw new AppError('invalid_request', 400, `lang: expected a language tag such as "en", got "${lang}"`);
    const { feedback, admin } = c.get('services');
    const record = Number.isInteger(id) ? feedback.get(id) : undefined;
    if (!record) throw new AppError('not_found', 404, `no feedback with id ${c.req.param('id')}`);
    if (record.status !== 'open') throw new AppError('conflict', 409, `feedback ${id} is already ${record.status}`);
    if (promoting.has(id)) throw new AppError('conflict', 409, `feedback ${id} is being promoted by another request`);
    if (!record.query || (!record.expected_tier && !record.expected_intent)) {
      throw new AppError(
        'invalid_request',
        400,
        `feedback ${id} is not a correction with a query; only corrections can be promoted`,
      );
    }
    promoting.add(id);
    try {
      const labels = (
        [
          ['tier', record.expected_tier],
          ['intent', record.expected_intent],
        ] as const
      ).flatMap(([axis, label]) => (label ? [{ axis, label }] : []));
      // Both axes in one change: one regression check (when on), promoted whole or refused whole.
      const promoted = await admin.exemplars.promoteAll(labels, record.query, lang);
      feedback.mark(
        id,
        'promoted',
        promoted.exemplars.map((exemplar) => exemplar.id),
      );
      return c.json({ feedback: feedback.get(id), exemplars: promoted.exemplars.map(exemplarView), ...checkedView(promoted) });
    } finally {
      promoting.delete(id);
    }
  });

  routes.post('/admin/feedback/:id/dismiss', (c) => {
    const id = Number(c.req.param('id'));
    const { feedback } = c.get('services');
    const record = Number.isInteger(id) ? feedback.get(id) : undefined;
    if (!record) throw new AppError('not_found', 404, `no feedback with id ${c.req.param('id')}`);
    // Dismissing a promoted correction would erase the ids of the exemplars it created.
    if (record.status !== 'open' || promoting.has(id)) {
      throw new AppError(
        'conflict',
        409,
        `feedback ${id} is ${promoting.has(id) ? 'being promoted' : `already ${record.status}`}; only open feedback can be dismissed`,
      );
    }
    feedback.mark(id, 'dismissed', undefined);
    return c.json({ feedback: feedback.get(id) });
  });
  return routes;
}
