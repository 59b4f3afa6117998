import { parentPort, workerData } from 'node:worker_threads';
import { assessBank } from './bank-health.js';
import type { AssessJob } from './bank-health-in-worker.js';

// One job per worker: assess, answer, exit (the thread holds nothing the next job could reuse).
const job = workerData as AssessJob;
parentPort!.postMessage(assessBank(job.rows, job.options));
