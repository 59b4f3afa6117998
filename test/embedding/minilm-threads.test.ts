import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadMiniLmEmbedder } from '../../src/embedding/minilm.js';
import { FULL_STANDIN_DIR, PROJECT_ROOT } from '../support/env.js';

const offline = {
  modelId: 'Xenova/all-MiniLM-L6-v2',
  cacheDir: join(PROJECT_ROOT, '.cache/test-empty-model-cache'),
  offline: true,
};
const LONG = 'the settlement job times out whenever the nightly batch grows beyond fifty thousand rows, '.repeat(6);

/** CPU time (clock ticks) each thread of this process has used so far, from /proc (Linux). */
function cpuTicksByThread(): Map<string, number> {
  const ticks = new Map<string, number>();
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks.set(tid, Number(fields[11]) + Number(fields[12]));
    } catch {
      // the thread ended between the listing and the read
    }
  }
  return ticks;
}

/** CPU ticks of each thread since `before`, busiest first. */
function ticksSince(before: Map<string, number>): number[] {
  return [...cpuTicksByThread()].map(([tid, ticks]) => ticks - (before.get(tid) ?? 0)).sort((a, b) => b - a);
}

/**
 * Repeats `step` until the busiest thread has used `minTicks` of CPU, then returns each thread's ticks, busiest first.
 * A fixed number of embeds was too little CPU on a fast machine (7 ticks) to tell the threads apart; stopping on
 * work done rather than on a count or a duration keeps the comparison meaningful on any machine. The
 * bounds are loose because on a loaded machine the second thread of a 2-thread session gets less CPU (14 of 30 ticks
 * seen), while a 1-thread session leaves every other thread near zero.
 */
async function busyThreadsUntil(minTicks: number, step: (i: number) => Promise<void>): Promise<number[]> {
  const before = cpuTicksByThread();
  for (let i = 0; i < 5000; i++) {
    await step(i);
    if (i % 5 === 4 && (ticksSince(before)[0] ?? 0) >= minTicks) break;
  }
  return ticksSince(before);
}

// onnxruntime-node 1.14 ignores the options of a session made from bytes, which is how transformers.js makes it;
// the loader hands onnxruntime the weight file's path instead. Threads are what shows whether the options arrived.
test('ONNX_INTRA_OP_THREADS reaches onnxruntime: 1 thread runs MiniLM on the calling thread alone, 2 use a second', async (t) => {
  if (process.platform !== 'linux') return t.skip('reads per-thread CPU time from /proc');
  for (const threads of [1, 2]) {
    const embedder = await loadMiniLmEmbedder({
      ...offline,
      modelDir: FULL_STANDIN_DIR,
      quantized: true,
      intraOpThreads: threads,
    });
    await embedder.embed([LONG]);
    const busy = await busyThreadsUntil(50, async (i) => {
      await embedder.embed([`${LONG} ${i}`]);
    });
    const [busiest = 0, second = 0] = busy;
    assert.ok(busiest >= 50, `the embeds used too little CPU to tell threads apart: ${busy.slice(0, 4).join(', ')} ticks`);
    if (threads === 1)
      assert.ok(second < busiest * 0.15, `a 1-thread session kept a second thread busy: ${busy.slice(0, 4).join(', ')} ticks`);
    else
      assert.ok(second > busiest * 0.3, `a 2-thread session left its second thread idle: ${busy.slice(0, 4).join(', ')} ticks`);
  }
});
