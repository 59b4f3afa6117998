import { Hono } from 'hono';
import { z } from 'zod';
import { AppError } from '../errors.js';
import { parseImportContent } from '../routes-config/exemplar-files.js';
import type { CheckedChange } from '../exemplars/exemplar-admin.js';
import { regressionCheckView } from '../exemplars/regression-guard.js';
import type { ExemplarRecord } from '../exemplars/store.js';
import { DataFileError } from '../routes-config/data-error.js';
import { AxisSchema, ExemplarInputSchema, LangSchema } from '../routes-config/schemas.js';
import type { AppEnv } from './app-env.js';
import { describeValidation, readJsonBody, readUtf8Body } from './body.js';

export function exemplarView(record: ExemplarRecord) {
  return {
    id: record.id,
    axis: record.axis,
    label: record.label,
    text: record.text,
    lang: record.lang,
    source: record.source,
    created_at: record.createdAt,
    updated_at: record.updatedAt,
  };
}

const ListQuerySchema = z.object({
  axis: AxisSchema.optional(),
  label: z.string().min(1).optional(),
  lang: LangSchema.optional(),
  q: z.string().min(1).max(500).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  offset: z.coerce.number().int().min(0).default(0),
  /** `conflicts`: mark exemplars that sit closer to another label than to their own. */
  include: z.literal('conflicts').optional(),
});

const PatchSchema = z
  .object({ label: z.string().min(1).optional(), text: z.string().min(1).optional(), lang: LangSchema.optional() })
  .strict()
  .refine((patch) => Object.keys(patch).length > 0, 'send at least one of label, text, lang');

/** `regression_check` in a change's answer, when checks are on: the figures it passed, or was flagged by. */
export function checkedView(change: CheckedChange) {
  return change.regressionCheck ? { regression_check: regressionCheckView(change.regressionCheck) } : {};
}

const IdSchema = z.coerce.number().int().positive();

function parseId(raw: string): number {
  const parsed = IdSchema.safeParse(raw);
  if (!parsed.success) throw new AppError('invalid_request', 400, `id: expected a positive integer, got "${raw}"`);
  return parsed.data;
}

/** The admin API over exemplars: list/search, add, edit, delete, bulk import and export. */
export function adminExemplarRoutes(maxImportRows: number): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();

  routes.get('/admin/exemplars', (c) => {
    const query = ListQuerySchema.safeParse(c.req.query());
    if (!query.success) throw new AppError('invalid_request', 400, describeValidation(query.error));
    const { admin } = c.get('services');
    const { total, items } = admin.exemplars.list(query.data);
    const conflicts = query.data.include === 'conflicts' ? admin.conflicts.among(items.map((item) => item.id)) : undefined;
    const view = (record: ExemplarRecord) =>
      conflicts ? { ...exemplarView(record), closer_to: conflicts.get(record.id) ?? null } : exemplarView(record);
    return c.json({ total, limit: query.data.limit, offset: query.data.offset, items: items.map(view) });
  });

  routes.get('/admin/exemplars/export', (c) => {
    const format = c.req.query('format') ?? 'jsonl';
    if (format !== 'jsonl' && format !== 'csv') throw new AppError('invalid_request', 400, 'format: expected jsonl or csv');
    const { store } = c.get('services');
    const lines: string[] = format === 'csv' ? ['text,label,axis,lang'] : [];
    const quote = (value: string) => (/[",\n\r]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value);
    for (const row of store.all()) {
      lines.push(
        format === 'csv'
          ? [row.text, row.label, row.axis, row.lang].map(quote).join(',')
          : JSON.stringify({ text: row.text, label: row.label, axis: row.axis, lang: row.lang }),
      );
    }
    return c.body(`${lines.join('\n')}\n`, 200, {
      'content-type': format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8',
      'content-disposition': `attachment; filename="exemplars.${format}"`,
    });
  });

  routes.get('/admin/exemplars/:id', (c) =>
    c.json({ exemplar: exemplarView(c.get('services').admin.exemplars.get(parseId(c.req.param('id')))) }),
  );

  routes.post('/admin/exemplars', async (c) => {
    const input = await readJsonBody(c, ExemplarInputSchema);
    const { regressionCheck, ...result } = await c.get('services').admin.exemplars.add(input);
    return c.json({ ...result, exemplar: exemplarView(result.exemplar), ...checkedView({ regressionCheck }) }, 201);
  });

  routes.patch('/admin/exemplars/:id', async (c) => {
    const id = parseId(c.req.param('id'));
    const patch = await readJsonBody(c, PatchSchema);
    const { regressionCheck, ...result } = await c.get('services').admin.exemplars.update(id, patch);
    return c.json({ ...result, exemplar: exemplarView(result.exemplar), ...checkedView({ regressionCheck }) });
  });

  routes.delete('/admin/exemplars/:id', async (c) =>
    c.json(await c.get('services').admin.exemplars.delete(parseId(c.req.param('id')))),
  );

  // The body is the file itself: CSV (text/csv) or JSONL (anything else), columns text,label,axis[,lang].
  routes.post('/admin/exemplars/import', async (c) => {
    const contentType = c.req.header('content-type') ?? '';
    const format = contentType.includes('csv') ? 'csv' : 'jsonl';
    const content = await readUtf8Body(c, 'invalid_request');
    if (content.trim() === '')
      throw new AppError('invalid_request', 400, 'the body is empty: send the JSONL or CSV file as the request body');
    let rows;
    try {
      rows = parseImportContent(content, format, `upload.${format}`, `import:admin-upload`);
    } catch (error) {
      if (error instanceof DataFileError) {
        throw new AppError('invalid_request', 400, `nothing was imported: ${error.problems.slice(0, 20).join('; ')}`, {
          problems: error.problems.slice(0, 100),
        });
      }
      throw error;
    }
    if (rows.length > maxImportRows)
      throw new AppError('payload_too_large', 413, `at most ${maxImportRows} rows per import; split the file`);
    try {
      const summary = await c.get('services').admin.exemplars.importRows(rows);
      return c.json({
        added: summary.added,
        updated: summary.relabelled,
        unchanged: summary.unchanged,
        version: summary.version,
        revision: summary.revision,
        ...checkedView(summary),
      });
    } catch (error) {
      if (error instanceof DataFileError)
        throw new AppError('invalid_request', 400, `nothing was imported: ${error.problems.slice(0, 20).join('; ')}`);
      throw error;
    }
  });

  return routes;
}
