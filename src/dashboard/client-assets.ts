import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DASHBOARD_CSS } from './styles.js';

export interface DashboardAsset {
  body: string;
  type: string;
}

export interface DashboardAssets {
  /** By file name, as served under /dashboard/assets/. */
  files: ReadonlyMap<string, DashboardAsset>;
  /** A hash of every asset: appended to the page's asset URLs and used as their ETag. */
  version: string;
  /** Where the compiled client was looked for, for the error when it is not there. */
  clientDir: string;
}

/** The browser entry point among the compiled client modules (src/dashboard/client/main.ts). */
export const DASHBOARD_ENTRY = 'main.js';

/**
 * The client (src/dashboard/client/, its own tsconfig with the DOM library) is
 * compiled into dist/src/dashboard/client/, next to this module's compiled
 * form. Run from the sources (tsx, in tests and `npm run dev`), this module
 * is in src/, so the compiled client is looked up under dist/.
 */
function compiledClientDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  return import.meta.url.endsWith('.ts') ? join(here, '../../dist/src/dashboard/client') : join(here, 'client');
}

/** Reads the compiled client modules and the stylesheet once; they do not change while the service runs. */
export function loadDashboardAssets(clientDir = compiledClientDir()): DashboardAssets {
  const files = new Map<string, DashboardAsset>([['dashboard.css', { body: DASHBOARD_CSS, type: 'text/css; charset=utf-8' }]]);
  if (existsSync(join(clientDir, DASHBOARD_ENTRY))) {
    for (const name of readdirSync(clientDir).sort()) {
      if (name.endsWith('.js'))
        files.set(name, { body: readFileSync(join(clientDir, name), 'utf8'), type: 'text/javascript; charset=utf-8' });
    }
  }
  const hash = createHash('sha256');
  for (const [name, asset] of files) hash.update(name).update('\0').update(asset.body).update('\0');
  return { files, version: hash.digest('hex').slice(0, 12), clientDir };
}
