import type { Embedder } from '../../src/embedding/embedder.js';

/** Records every model call; each text's vector encodes its length, so results can be checked against inputs. */
export function recordingEmbedder(options: { fail?: (texts: readonly string[]) => boolean } = {}) {
  const calls: string[][] = [];
  const embedder: Embedder = {
    id: 'fake',
    kind: 'minilm',
    dim: 2,
    standin: true,
    description: 'fake',
    async embed(texts) {
      calls.push([...texts]);
      await new Promise((resolve) => setTimeout(resolve, 1));
      if (options.fail?.(texts)) throw new Error('model failed');
      return texts.map((text) => Float32Array.from([text.length, calls.length]));
    },
  };
  return { embedder, calls };
}
