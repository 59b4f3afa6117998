import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

/**
 * A worker thread running the module `name` that sits next to `besideUrl` (pass `import.meta.url`): the compiled
 * `.js` when the service is built; under tsx (tests, scripts) the TypeScript source, loaded through tsx's loader
 * registered in the worker (module hooks are per thread, and `--import tsx` does not reach workers).
 */
export function startWorkerModule(besideUrl: string, name: string, workerData: unknown): Worker {
  const compiled = new URL(`./${name}.js`, besideUrl);
  if (existsSync(fileURLToPath(compiled))) return new Worker(compiled, { workerData });
  const source = new URL(`./${name}.ts`, besideUrl).href;
  const tsx = import.meta.resolve('tsx/esm/api');
  const bootstrap = `import(${JSON.stringify(tsx)}).then((api) => { api.register(); return import(${JSON.stringify(source)}); })`;
  return new Worker(bootstrap, { eval: true, workerData });
}
