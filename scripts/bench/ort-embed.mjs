// node scripts/bench/ort-embed.mjs: times the MiniLM stand-in through transformers.js with whichever onnxruntime-node resolves here.
import { env, pipeline } from '@xenova/transformers';
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const ortVersion = require('onnxruntime-node/package.json').version;
env.allowLocalModels = true;
env.allowRemoteModels = false;
env.localModelPath = new URL('../../.cache/minilm-standin', import.meta.url).pathname;
const SHORT = ['reset my password', 'my card payment was declined', 'write a haiku about autumn', 'fix this python import error'];
const LONG =
  'We run a payments platform that processes card transactions across three regions. Last week the settlement job started timing out whenever the batch grew beyond fifty thousand rows. The database is PostgreSQL with logical replication to a reporting replica. I need a plan for splitting the job into idempotent chunks that can be retried safely. Please explain the trade-offs between an outbox table and change data capture for this.';
for (const quantized of [true, false]) {
  const t0 = performance.now();
  const ex = await pipeline('feature-extraction', 'full', { quantized });
  const loadMs = performance.now() - t0;
  const { tokenizer, model } = ex;
  const run = async (texts) => {
    const inputs = tokenizer(texts, { padding: true, truncation: true });
    return (await model(inputs)).last_hidden_state.data;
  };
  for (let i = 0; i < 20; i++) await run([SHORT[i % 4] + i]);
  const med = async (texts, n) => {
    const xs = [];
    for (let i = 0; i < n; i++) {
      const s = performance.now();
      await run(texts.map((t) => t + ' ' + i));
      xs.push(performance.now() - s);
    }
    xs.sort((a, b) => a - b);
    return `${xs[n >> 1].toFixed(2)} (${xs[0].toFixed(2)}-${xs[n - 1].toFixed(2)})`;
  };
  const short1 = await med([SHORT[0]], 60);
  const long1 = await med([LONG], 20);
  const batch16 = await med(
    Array.from({ length: 16 }, (_, i) => SHORT[i % 4]),
    15,
  );
  let ticks = 0;
  let going = true;
  const tick = () => {
    ticks++;
    if (going) setImmediate(tick);
  };
  setImmediate(tick);
  await run(Array.from({ length: 16 }, () => LONG));
  going = false;
  const sum = (await run(['checksum sentence'])).slice(0, 384).reduce((a, b) => a + b, 0);
  console.log(
    JSON.stringify({
      ort: ortVersion,
      quantized,
      loadMs: Math.round(loadMs),
      short1,
      long1,
      batch16short: batch16,
      loopTicksDuring16Long: ticks,
      checksum: sum,
    }),
  );
}
