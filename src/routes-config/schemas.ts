import { z } from 'zod';

/** The complexity tiers, cheapest first. Order matters: it is the capability order. */
export const TIERS = ['simple', 'medium', 'complex'] as const;
export const TierSchema = z.enum(TIERS);
export type Tier = z.infer<typeof TierSchema>;

/** The product intents. `general` is what a query gets when none of them fits. */
export const INTENTS = ['smalltalk', 'sales', 'support', 'faq', 'code', 'math', 'writing'] as const;
export const IntentSchema = z.enum(INTENTS);
export type Intent = z.infer<typeof IntentSchema>;
export const GENERAL_INTENT = 'general';
export type RoutedIntent = Intent | typeof GENERAL_INTENT;

/**
 * Labels an intent exemplar may carry: the product intents and `general`. A
 * `general` exemplar marks the open-domain region none of them covers (travel,
 * cooking, health, errands, advice...): a query nearest it is general, as one
 * that scores below the threshold is. Abstention alone could not tell "no
 * label fits" from "a label fits loosely" (docs/routing-quality.md).
 */
export const INTENT_EXEMPLAR_LABELS = [...INTENTS, GENERAL_INTENT] as const;

export const AXES = ['tier', 'intent'] as const;
export const AxisSchema = z.enum(AXES);
export type Axis = z.infer<typeof AxisSchema>;

export const LABELS_BY_AXIS: Record<Axis, readonly string[]> = { tier: TIERS, intent: INTENT_EXEMPLAR_LABELS };

export const MAX_EXEMPLAR_CHARS = 4000;

/** ISO-639-1 style language tag: `en`, `es`, `pt-BR`. */
export const LangSchema = z.string().regex(/^[a-z]{2,3}(-[A-Za-z]{2,4})?$/, 'expected a language tag such as "en" or "es"');

const ExemplarTextSchema = z
  .string()
  .transform((text) => text.trim())
  .pipe(z.string().min(1, 'text is empty').max(MAX_EXEMPLAR_CHARS, `text is longer than ${MAX_EXEMPLAR_CHARS} characters`));

/** One exemplar after parsing, from routes-data or a user's import file. */
export const ExemplarInputSchema = z
  .object({
    axis: AxisSchema,
    label: z.string().min(1),
    text: ExemplarTextSchema,
    lang: LangSchema.default('en'),
  })
  .superRefine((row, ctx) => {
    const allowed = LABELS_BY_AXIS[row.axis];
    if (!allowed.includes(row.label)) {
      ctx.addIssue({
        code: 'custom',
        path: ['label'],
        message: `label "${row.label}" is not a ${row.axis}; expected one of ${allowed.join(', ')}`,
      });
    }
  });
export type ExemplarInput = z.infer<typeof ExemplarInputSchema>;

/** A line of routes-data/exemplars/<axis>.<lang>.jsonl: axis and language come from the file name. */
export const ExemplarFileRowSchema = z.object({ label: z.string().min(1), text: ExemplarTextSchema }).strict();

// ---------------------------------------------------------------- rules

export const RuleSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9_.-]*$/, 'rule ids are lowercase words joined by - _ or .'),
    description: z.string().min(1),
    lang: LangSchema.optional(),
    pattern: z.string().min(1).optional(),
    flags: z
      .string()
      .regex(/^[imsu]*$/, 'flags may only use i, m, s and u')
      .default('iu'),
    min_words: z.number().int().nonnegative().optional(),
    max_words: z.number().int().positive().optional(),
    set: z
      .object({
        intent: IntentSchema.optional(),
        tier: TierSchema.optional(),
        min_tier: TierSchema.optional(),
        max_tier: TierSchema.optional(),
      })
      .strict()
      .refine((set) => Object.keys(set).length > 0, 'a rule must set at least one of intent, tier, min_tier, max_tier'),
  })
  .strict()
  .refine((rule) => rule.pattern !== undefined || rule.min_words !== undefined || rule.max_words !== undefined, {
    message: 'a rule needs a pattern, min_words or max_words',
  })
  .superRefine((rule, ctx) => {
    if (rule.pattern === undefined) return;
    try {
      new RegExp(rule.pattern, rule.flags);
    } catch (error) {
      ctx.addIssue({ code: 'custom', path: ['pattern'], message: `not a valid regular expression: ${(error as Error).message}` });
    }
  });
export type Rule = z.infer<typeof RuleSchema>;
export const RulesFileSchema = z.object({ rules: z.array(RuleSchema) }).strict();

// ---------------------------------------------------------------- routing table

export const ProviderKindSchema = z.enum(['openai', 'anthropic']);
export type ProviderKind = z.infer<typeof ProviderKindSchema>;

export const ProviderConfigSchema = z
  .object({
    kind: ProviderKindSchema,
    description: z.string().optional(),
    /** Name of the environment variable that holds the key; keys never live in files. */
    api_key_env: z.string().regex(/^[A-Z][A-Z0-9_]*$/),
    /** Name of an environment variable that may override the base URL. */
    base_url_env: z
      .string()
      .regex(/^[A-Z][A-Z0-9_]*$/)
      .optional(),
    base_url: z.url().optional(),
    /** The upstream speaks OpenAI's Responses API: `/v1/responses` is forwarded to it as is, not translated to chat. */
    responses_api: z.boolean().optional(),
  })
  .strict();
export type ProviderConfig = z.infer<typeof ProviderConfigSchema>;

export const ReasoningEffortSchema = z.enum(['minimal', 'low', 'medium', 'high']);
export type ReasoningEffort = z.infer<typeof ReasoningEffortSchema>;

/**
 * Every effort a client may ask for, least first: OpenAI's `reasoning_effort` / `reasoning.effort` and Anthropic's
 * `output_config.effort` are one scale (Anthropic's starts at `low`). Not every model takes every step.
 */
export const EFFORT_SCALE = ['none', 'minimal', 'low', 'medium', 'high', 'xhigh', 'max'] as const;
export const EffortSchema = z.enum(EFFORT_SCALE);
export type Effort = z.infer<typeof EffortSchema>;

/**
 * The efforts a model with the `effort` capability takes when its entry lists none: what OpenAI's GPT-5 family
 * takes (models before gpt-5.1 refuse `none`, and only later ones take `xhigh`), and Anthropic's whole scale.
 */
export const DEFAULT_EFFORTS: Record<ProviderKind, readonly Effort[]> = {
  openai: ['minimal', 'low', 'medium', 'high'],
  anthropic: ['low', 'medium', 'high', 'xhigh', 'max'],
};

/**
 * What a model can do. `vision` filters candidates for requests with images;
 * `effort` says a model reasons and takes an effort (OpenAI `reasoning_effort`
 * / `reasoning.effort`, Anthropic `output_config.effort`), so a client's own
 * effort is sent to it; models without it refuse the field (gpt-4o, older
 * Claude models), so they never get one. `thinking` says an Anthropic model
 * takes manual extended thinking (`thinking: {type: "enabled", budget_tokens}`),
 * so an Anthropic client's own `thinking` is sent to it. The rest are shown in
 * decisions.
 */
export const CAPABILITIES = ['vision', 'tools', 'json', 'code', 'long_context', 'effort', 'thinking'] as const;
export const CapabilitySchema = z.enum(CAPABILITIES);
export type Capability = z.infer<typeof CapabilitySchema>;

export const ModelConfigSchema = z
  .object({
    provider: z.string().min(1),
    /** The provider's own model name. */
    model: z.string().min(1),
    capabilities: z.array(CapabilitySchema).default([]),
    /**
     * Reasoning effort sent with every call to this entry unless the client set
     * its own: OpenAI's `reasoning_effort`, or Anthropic's `output_config.effort`.
     * "This model, with low effort" is an entry of its own (its own id and price
     * row), which tier lists name like any other model.
     */
    reasoning_effort: ReasoningEffortSchema.optional(),
    /**
     * The efforts this model takes, when they differ from its provider kind's (DEFAULT_EFFORTS): a client's effort
     * outside them is moved to the nearest one it takes. E.g. `["low", "medium", "high"]` for o3.
     */
    efforts: z.array(EffortSchema).min(1).optional(),
    /** Anthropic extended thinking: the budget in tokens, sent unless the client set thinking itself. */
    thinking_budget: z.number().int().min(1024).optional(),
  })
  .strict();
export type ModelConfig = z.infer<typeof ModelConfigSchema>;

const TierCandidatesSchema = z.object({
  simple: z.array(z.string()).min(1),
  medium: z.array(z.string()).min(1),
  complex: z.array(z.string()).min(1),
});

export const IntentPolicySchema = z
  .object({
    min_tier: TierSchema.optional(),
    max_tier: TierSchema.optional(),
    /** Replaces a tier's candidate list for this intent (e.g. code prefers code-strong models). */
    tiers: TierCandidatesSchema.partial().optional(),
  })
  .strict();
export type IntentPolicy = z.infer<typeof IntentPolicySchema>;

export const RoutingTableSchema = z
  .object({
    providers: z.record(z.string(), ProviderConfigSchema),
    models: z.record(z.string(), ModelConfigSchema),
    tiers: TierCandidatesSchema.strict(),
    intents: z.partialRecord(z.enum([...INTENTS, GENERAL_INTENT]), IntentPolicySchema).default({}),
    /** The model whose cost every request is compared against ("had we sent everything to it"). */
    baseline_model: z.string(),
  })
  .strict()
  .superRefine((table, ctx) => {
    for (const [id, model] of Object.entries(table.models)) {
      const provider = table.providers[model.provider];
      if (!provider) {
        ctx.addIssue({ code: 'custom', path: ['models', id, 'provider'], message: `unknown provider "${model.provider}"` });
      } else if (model.reasoning_effort !== undefined && model.thinking_budget !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['models', id, 'reasoning_effort'],
          message: 'give a model reasoning_effort or thinking_budget, not both; make two entries to offer both',
        });
      } else if (model.reasoning_effort === 'minimal' && provider.kind === 'anthropic') {
        ctx.addIssue({
          code: 'custom',
          path: ['models', id, 'reasoning_effort'],
          message: 'Anthropic effort (output_config.effort) starts at "low"; "minimal" is OpenAI only',
        });
      } else if (model.thinking_budget !== undefined && provider.kind !== 'anthropic') {
        ctx.addIssue({
          code: 'custom',
          path: ['models', id, 'thinking_budget'],
          message: 'thinking_budget is for anthropic-kind providers; OpenAI models take reasoning_effort',
        });
      } else if (model.capabilities.includes('thinking') && provider.kind !== 'anthropic') {
        ctx.addIssue({
          code: 'custom',
          path: ['models', id, 'capabilities'],
          message: 'the thinking capability is for anthropic-kind providers; OpenAI models take an effort',
        });
      } else if (model.efforts !== undefined) {
        const outside = model.efforts.filter((effort) => !DEFAULT_EFFORTS.anthropic.includes(effort));
        if (provider.kind === 'anthropic' && outside.length > 0)
          ctx.addIssue({
            code: 'custom',
            path: ['models', id, 'efforts'],
            message: `Anthropic effort (output_config.effort) is one of ${DEFAULT_EFFORTS.anthropic.join(', ')}; not ${outside.join(', ')}`,
          });
        else if (model.reasoning_effort !== undefined && !model.efforts.includes(model.reasoning_effort))
          ctx.addIssue({
            code: 'custom',
            path: ['models', id, 'reasoning_effort'],
            message: `"${model.reasoning_effort}" is not among the model's efforts (${model.efforts.join(', ')})`,
          });
      }
    }
    const checkIds = (ids: readonly string[], path: (string | number)[]) => {
      ids.forEach((id, index) => {
        if (!(id in table.models)) ctx.addIssue({ code: 'custom', path: [...path, index], message: `unknown model "${id}"` });
      });
    };
    for (const tier of TIERS) checkIds(table.tiers[tier], ['tiers', tier]);
    for (const [intent, policy] of Object.entries(table.intents)) {
      for (const [tier, ids] of Object.entries(policy?.tiers ?? {})) checkIds(ids ?? [], ['intents', intent, 'tiers', tier]);
      if (policy?.min_tier && policy.max_tier && TIERS.indexOf(policy.min_tier) > TIERS.indexOf(policy.max_tier)) {
        ctx.addIssue({ code: 'custom', path: ['intents', intent], message: 'min_tier is above max_tier' });
      }
    }
    if (!(table.baseline_model in table.models)) {
      ctx.addIssue({ code: 'custom', path: ['baseline_model'], message: `unknown model "${table.baseline_model}"` });
    }
  });
export type RoutingTable = z.infer<typeof RoutingTableSchema>;

// ---------------------------------------------------------------- prices

export const ModelPriceSchema = z
  .object({
    /** USD per one million input tokens. */
    input: z.number().nonnegative(),
    /** USD per one million output tokens; thinking (reasoning) tokens are billed as output tokens. */
    output: z.number().nonnegative(),
    /** When this row was read, when it differs from the table's `as_of`. */
    as_of: z
      .string()
      .regex(/^\d{4}-\d{2}(-\d{2})?$/)
      .optional(),
    /** Where the figures come from. */
    source: z.string().min(1).optional(),
  })
  .strict();
export type ModelPrice = z.infer<typeof ModelPriceSchema>;

export const PriceTableSchema = z
  .object({
    currency: z.literal('USD'),
    unit: z.literal('per_1m_tokens'),
    as_of: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
    models: z.record(z.string(), ModelPriceSchema),
  })
  .strict();
export type PriceTable = z.infer<typeof PriceTableSchema>;

// ---------------------------------------------------------------- scoring

export const AggregationSchema = z.enum(['max', 'mean', 'sum']);
export type Aggregation = z.infer<typeof AggregationSchema>;

export const AxisScoringSchema = z
  .object({
    /** How many of a label's nearest exemplars count towards its score. */
    k: z.number().int().min(1).max(50),
    aggregation: AggregationSchema,
    /** Below this best score the axis abstains (intent becomes `general`). */
    threshold: z.number().min(-1).max(1),
    /** Labels within this distance of the best count as tied (strategies choose among them). */
    margin: z.number().min(0).max(2),
    /**
     * Per-label thresholds that replace `threshold` when that label scores best
     * (a calibration raises them for labels that attract out-of-scope queries).
     */
    label_thresholds: z.record(z.string(), z.number().min(-1).max(1)).optional(),
    /** Share of a label's score taken from the similarity to the label's centroid instead of its k nearest exemplars. */
    centroid_weight: z.number().min(0).max(1).optional(),
    /**
     * Added to a label's score before the labels are ranked: a calibrated lean towards the label whose miss costs most
     * (the tier axis: complex, since under-routing a demanding prompt is the failure a router must not have).
     */
    label_offsets: z.record(z.string(), z.number().min(-1).max(1)).optional(),
    /** Intent only: when the best label leads the second by less than this, the router abstains into `general`. */
    min_margin: z.number().min(0).max(1).optional(),
    /**
     * Distance-weighted kNN instead of the per-label top k: the k nearest exemplars of any label vote
     * exp(similarity / vote_tau) each (aggregation is then unused).
     */
    vote_tau: z.number().positive().max(1).optional(),
  })
  .strict();
export type AxisScoring = z.infer<typeof AxisScoringSchema>;

/** The complexity signals measured on every prompt (src/routing/complexity-signals.ts). */
export const SIGNAL_NAMES = ['pieces', 'asks', 'constraints', 'code', 'math', 'demanding', 'choices'] as const;
export type SignalName = (typeof SIGNAL_NAMES)[number];

export const ComplexityModelSchema = z
  .object({
    bias: z.number(),
    knn_weight: z.number(),
    weights: z.partialRecord(z.enum(SIGNAL_NAMES), z.number()),
    threshold: z.number().min(0).max(1),
  })
  .strict();

export const ScoringSettingsSchema = z
  .object({
    tier: AxisScoringSchema,
    intent: AxisScoringSchema,
    /** Weight of earlier user turns relative to the last one (0 = only the last message counts). */
    history_weight: z.number().min(0).max(1),
    /** How many earlier user turns may contribute. */
    history_turns: z.number().int().min(0).max(20),
    /**
     * A last user turn of at most this many words that follows earlier ones
     * ("thanks, continue", "and the second part?") is routed as the turn it
     * follows; 0 routes every turn on its own words.
     */
    followup_max_words: z.number().int().min(0).max(20).default(4),
    /**
     * Logistic weights over the complexity signals and the tier kNN difficulty,
     * fitted on outcome data (weak model wrong, strong right); at or above
     * `threshold` the tier is raised to complex. Absent: signals are only reported.
     */
    complexity: ComplexityModelSchema.optional(),
  })
  .strict();
export type ComplexityModel = z.infer<typeof ComplexityModelSchema>;
export type ScoringSettings = z.infer<typeof ScoringSettingsSchema>;

export const ScoringFileSchema = z
  .object({
    default: ScoringSettingsSchema,
    /** Overrides per embedder kind (`minilm`, `use-lite`): similarity scales differ between embedders. */
    by_embedder: z.record(z.string(), ScoringSettingsSchema.partial()).default({}),
  })
  .strict();
export type ScoringFile = z.infer<typeof ScoringFileSchema>;

// ---------------------------------------------------------------- calibration

/** Where a calibration's labelled data came from, so the fit can be reproduced. */
export const CalibrationDataSchema = z
  .object({
    file: z.string().min(1),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    label_field: z.string().min(1),
    lang: z.string().optional(),
    rows: z.number().int().nonnegative(),
  })
  .strict();

/**
 * routes-data/calibration/<embedder>.json: scoring settings fitted by
 * `npm run calibrate` for one embedder id (similarity scales differ between
 * embedders), with the data, date and scores that justify them.
 */
export const CalibrationFileSchema = z
  .object({
    embedder_id: z.string().min(1),
    created_at: z.string().min(1),
    exemplar_set_version: z.string(),
    data: z.object({ intent: CalibrationDataSchema.optional(), tier: CalibrationDataSchema.optional() }).strict(),
    objective: z.record(z.string(), z.union([z.string(), z.number()])),
    /** Figures before (the uncalibrated settings) and after, on the calibration data. */
    scores: z.object({ before: z.record(z.string(), z.number()), after: z.record(z.string(), z.number()) }).strict(),
    settings: ScoringSettingsSchema.partial(),
  })
  .strict();
export type CalibrationFile = z.infer<typeof CalibrationFileSchema>;
