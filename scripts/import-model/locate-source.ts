/**
 * Finding the model inside what the user points at.
 */
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ImportRefusal } from './refusal.js';

export interface LocatedModel {
  readonly kind: 'safetensors';
  /** The folder holding config.json and the tokenizer files. */
  readonly dir: string;
  readonly weightsPath: string;
  /** What the user gave, for messages and the manifest. */
  readonly description: string;
}

export function locateModel(from: string, log: (line: string) => void = () => {}): LocatedModel {
  void log;
  const path = resolve(from);
  if (!existsSync(path)) throw new ImportRefusal('not_found', `${from} does not exist`);
  if (statSync(path).isDirectory() && existsSync(join(path, 'model.safetensors'))) {
    return { kind: 'safetensors', dir: path, weightsPath: join(path, 'model.safetensors'), description: path };
  }
  throw new ImportRefusal('not_found', `${from}: no model found`);
}
