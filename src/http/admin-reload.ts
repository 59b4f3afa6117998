import { Hono } from 'hono';
import { AppError } from '../errors.js';
import { DataFileError } from '../routes-config/data-error.js';
import type { AppEnv } from './app-env.js';

/**
 * POST /admin/reload: routes-data (routing.json, prices.json, rules.json,
 * scoring.json, calibration/) re-read and swapped in without a restart, as
 * SIGHUP does. An invalid set is refused with every problem as file:line and
 * changes nothing. Exemplars are not part of it: they live in the database and
 * change through /admin/exemplars.
 */
export function adminReloadRoutes(): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();
  routes.post('/admin/reload', (c) => {
    try {
      const reload = c.get('services').reloadRoutes();
      return c.json({
        status: 'reloaded',
        config_version: reload.version,
        models: reload.models,
        rules: reload.rules,
        scoring: reload.scoring,
      });
    } catch (error) {
      if (!(error instanceof DataFileError)) throw error;
      throw new AppError(
        'invalid_routes_data',
        422,
        `routes-data refused, nothing changed: ${error.problems.length} problem(s)`,
        {
          problems: error.problems,
        },
      );
    }
  });
  return routes;
}
