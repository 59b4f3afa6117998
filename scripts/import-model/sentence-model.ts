/**
 * What makes a folder an importable sentence-transformers BERT model, checked
 * from its own description files before any weight is read:
 * config.json must describe a plain BERT encoder (the graph bert-graph.ts
 * builds), and modules.json, when present, must pool by mean over tokens,
 * which is what the service's MiniLM path does after the encoder.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BertShape } from '../bert-onnx/bert-model.js';
import { ImportRefusal } from './refusal.js';

export interface BertConfig {
  readonly shape: BertShape;
  /** `_name_or_path`, or undefined. */
  readonly nameOrPath: string | undefined;
}

function readJson(path: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(readFileSync(path, 'utf8'));
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not a JSON object');
    return value as Record<string, unknown>;
  } catch (error) {
    throw new ImportRefusal('truncated', `${path} does not parse as a JSON object (${(error as Error).message})`);
  }
}

function positiveInteger(config: Record<string, unknown>, key: string, path: string): number {
  const value = config[key];
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    throw new ImportRefusal('not_bert', `${path}: ${key} is ${JSON.stringify(value)}, expected a positive integer`);
  }
  return value;
}

export function readBertConfig(dir: string): BertConfig {
  const path = join(dir, 'config.json');
  if (!existsSync(path))
    throw new ImportRefusal('not_found', `${dir} has no config.json, so it is not a Hugging Face model folder`);
  const config = readJson(path);
  const modelType = config['model_type'];
  const architectures = Array.isArray(config['architectures']) ? (config['architectures'] as unknown[]) : [];
  // Other families (RoBERTa, DistilBERT, XLM-R...) differ in embeddings or layer layout; building them as BERT would give wrong vectors.
  if (modelType !== 'bert') {
    throw new ImportRefusal(
      'not_bert',
      `${path}: model_type is ${JSON.stringify(modelType)}; only BERT encoders (model_type "bert") can be imported`,
    );
  }
  const foreign = architectures.filter((a) => typeof a !== 'string' || !a.startsWith('Bert'));
  if (foreign.length > 0) {
    throw new ImportRefusal('not_bert', `${path}: architectures ${JSON.stringify(architectures)} are not BERT`);
  }
  const act = config['hidden_act'] ?? 'gelu';
  if (act !== 'gelu')
    throw new ImportRefusal('not_bert', `${path}: hidden_act is ${JSON.stringify(act)}; the importer builds exact GELU only`);
  const positions = config['position_embedding_type'] ?? 'absolute';
  if (positions !== 'absolute') {
    throw new ImportRefusal(
      'not_bert',
      `${path}: position_embedding_type is ${JSON.stringify(positions)}; only absolute positions are supported`,
    );
  }
  const hidden = positiveInteger(config, 'hidden_size', path);
  const heads = positiveInteger(config, 'num_attention_heads', path);
  if (hidden % heads !== 0)
    throw new ImportRefusal('not_bert', `${path}: hidden_size ${hidden} is not divisible by num_attention_heads ${heads}`);
  const eps = config['layer_norm_eps'] ?? 1e-12;
  if (typeof eps !== 'number' || !(eps > 0))
    throw new ImportRefusal('not_bert', `${path}: layer_norm_eps is ${JSON.stringify(eps)}`);
  return {
    shape: {
      layers: positiveInteger(config, 'num_hidden_layers', path),
      hidden,
      heads,
      intermediate: positiveInteger(config, 'intermediate_size', path),
      vocab: positiveInteger(config, 'vocab_size', path),
      maxPositions: positiveInteger(config, 'max_position_embeddings', path),
      typeVocab: positiveInteger(config, 'type_vocab_size', path),
      layerNormEps: eps,
    },
    nameOrPath: typeof config['_name_or_path'] === 'string' ? config['_name_or_path'] : undefined,
  };
}

/**
 * A sentence-transformers folder lists its modules; the pooling module must
 * be mean pooling (CLS or max pooling would need another embedding path).
 * A bare Hugging Face folder without modules.json is accepted: the service
 * mean-pools, which is then the caller's choice.
 */
export function checkSentencePooling(dir: string): 'mean' | 'unspecified' {
  const modulesPath = join(dir, 'modules.json');
  if (!existsSync(modulesPath)) return 'unspecified';
  const modules: unknown = JSON.parse(readFileSync(modulesPath, 'utf8'));
  if (!Array.isArray(modules)) throw new ImportRefusal('not_sentence_model', `${modulesPath} is not a list of modules`);
  const pooling = modules.find(
    (m): m is { path: string } =>
      typeof m === 'object' && m !== null && String((m as { type?: unknown }).type).endsWith('.Pooling'),
  );
  if (pooling === undefined)
    throw new ImportRefusal(
      'not_sentence_model',
      `${modulesPath} has no Pooling module, so it is not a sentence-embedding model`,
    );
  const unsupported = modules.filter((m: { type?: unknown }) => {
    const type = String(m.type);
    return !type.endsWith('.Transformer') && !type.endsWith('.Pooling') && !type.endsWith('.Normalize');
  });
  if (unsupported.length > 0) {
    throw new ImportRefusal(
      'not_sentence_model',
      `${modulesPath} has modules the service does not apply (${unsupported.map((m: { type?: unknown }) => String(m.type)).join(', ')}); only Transformer, mean Pooling and Normalize`,
    );
  }
  const poolingConfigPath = join(dir, pooling.path, 'config.json');
  if (!existsSync(poolingConfigPath)) throw new ImportRefusal('not_sentence_model', `${poolingConfigPath} is missing`);
  const poolingConfig = readJson(poolingConfigPath);
  const modes = Object.entries(poolingConfig)
    .filter(([key, value]) => key.startsWith('pooling_mode_') && value === true)
    .map(([key]) => key);
  if (modes.length !== 1 || modes[0] !== 'pooling_mode_mean_tokens') {
    throw new ImportRefusal(
      'not_sentence_model',
      `${poolingConfigPath} pools by ${modes.join('+') || 'nothing'}; the service embeds by mean pooling (pooling_mode_mean_tokens) only`,
    );
  }
  return 'mean';
}
