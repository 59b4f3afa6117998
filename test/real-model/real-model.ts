/**
 * Shared by the real-model checks (`npm run test:real-model`): they run against
 * a real MiniLM folder named by MINILM_MODEL_DIR, never the stand-in, and fail
 * loudly when there is none, so a CI run without the model cannot pass.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { PROJECT_ROOT } from '../support/env.js';

export function realModelDir(): string {
  const dir = process.env['MINILM_MODEL_DIR'];
  if (dir === undefined || dir === '') {
    throw new Error(
      'MINILM_MODEL_DIR is not set: the real-model checks need an imported all-MiniLM-L6-v2 folder (npm run import-model -- --from ... --out DIR)',
    );
  }
  if (existsSync(join(dir, 'standin.json'))) throw new Error(`${dir} is the generated stand-in, not the real model`);
  for (const file of ['config.json', 'tokenizer.json', 'onnx/model.onnx', 'onnx/model_quantized.onnx']) {
    if (!existsSync(join(dir, file))) throw new Error(`${dir} lacks ${file}`);
  }
  return dir;
}

const ReferenceSchema = z.object({
  model: z.string(),
  max_seq_length: z.number().int(),
  sentences: z.array(z.object({ text: z.string(), input_ids: z.array(z.number().int()), vector: z.array(z.number()) })).min(1),
});
export type Reference = z.infer<typeof ReferenceSchema>;

export const REFERENCE_PATH = join(PROJECT_ROOT, 'test/fixtures/minilm-reference.json');

export function loadReference(): Reference {
  return ReferenceSchema.parse(JSON.parse(readFileSync(REFERENCE_PATH, 'utf8')));
}

export { cosine } from '../../src/embedding/model-identity.js';
