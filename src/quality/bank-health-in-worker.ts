import { startWorkerModule } from '../worker-module.js';
import type { BankHealth, BankRow } from './bank-health.js';

export interface AssessJob {
  rows: readonly BankRow[];
  options: { k: number; duplicateAbove: number };
}

/**
 * assessBank in a worker thread. The pass is quadratic: over a ~4,000-row axis it held the service's event loop for
 * seconds, and every route (health checks included) waited behind one admin call. Same function, same result: only
 * the thread differs.
 */
export function assessBankInWorker(rows: readonly BankRow[], options: AssessJob['options']): Promise<BankHealth> {
  return new Promise<BankHealth>((resolve, reject) => {
    const job: AssessJob = { rows, options };
    const worker = startWorkerModule(import.meta.url, 'bank-health-worker', job);
    let settled = false;
    worker.once('message', (health: BankHealth) => {
      settled = true;
      resolve(health);
    });
    worker.once('error', (error) => {
      settled = true;
      reject(error);
    });
    worker.once('exit', (code) => {
      if (!settled) reject(new Error(`the bank-health worker exited (${code}) without an answer`));
    });
  });
}
