/**
 * A linear head over exemplar embeddings (issue 15 item 3): multinomial logistic regression (softmax) with L2
 * regularisation, trained on the exemplar bank only (the sentences the project writes), never on dev data. Compared
 * under leave-one-source-out with the similarity scorings; only its settings (regularisation, class weighting,
 * thresholds) are chosen per fold on the training families, as the other methods' k and thresholds are.
 *
 * Trained by L-BFGS from zero weights: the objective is convex, so the result is deterministic and needs no seed.
 */

export interface LinearHead {
  classes: number;
  dim: number;
  /** Row-major weights, classes x dim. */
  weights: Float64Array;
  bias: Float64Array;
}

export interface HeadTraining {
  /** Row-major inputs, rows x dim. */
  inputs: Float32Array;
  dim: number;
  /** Class index per row. */
  labels: Int32Array;
  classes: number;
  /** L2 penalty on the weights (not the biases), relative to the mean loss per row. */
  lambda: number;
  /** Weight every class equally (each row 1 / its class's count) instead of every row. */
  balanced: boolean;
  maxIterations?: number;
}

/** Loss and gradient of the weighted mean cross-entropy plus the L2 penalty; params = weights then biases. */
function lossAndGradient(t: HeadTraining, rowWeights: Float64Array, params: Float64Array, grad: Float64Array): number {
  const { inputs, dim, labels, classes } = t;
  const rows = labels.length;
  const biasAt = classes * dim;
  grad.fill(0);
  const logits = new Float64Array(classes);
  let loss = 0;
  for (let r = 0; r < rows; r++) {
    const x = r * dim;
    let max = -Infinity;
    for (let c = 0; c < classes; c++) {
      let z = params[biasAt + c]!;
      const w = c * dim;
      for (let d = 0; d < dim; d++) z += params[w + d]! * inputs[x + d]!;
      logits[c] = z;
      if (z > max) max = z;
    }
    let sum = 0;
    for (let c = 0; c < classes; c++) sum += Math.exp(logits[c]! - max);
    const logSum = max + Math.log(sum);
    const weight = rowWeights[r]!;
    loss += weight * (logSum - logits[labels[r]!]!);
    for (let c = 0; c < classes; c++) {
      const g = weight * (Math.exp(logits[c]! - logSum) - (c === labels[r] ? 1 : 0));
      if (g === 0) continue;
      const w = c * dim;
      for (let d = 0; d < dim; d++) grad[w + d]! += g * inputs[x + d]!;
      grad[biasAt + c]! += g;
    }
  }
  for (let i = 0; i < biasAt; i++) {
    loss += 0.5 * t.lambda * params[i]! * params[i]!;
    grad[i]! += t.lambda * params[i]!;
  }
  return loss;
}

const dotOf = (a: Float64Array, b: Float64Array) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
};

/** Fits the head by L-BFGS (memory 10, backtracking line search on the Armijo condition). */
export function fitLinearHead(t: HeadTraining): LinearHead {
  const { classes, dim, labels } = t;
  const counts = new Float64Array(classes);
  for (const label of labels) counts[label]!++;
  const present = counts.filter((n) => n > 0).length;
  // Weights sum to 1, so lambda means the same whatever the bank's size.
  const rowWeights = Float64Array.from(labels, (label) => (t.balanced ? 1 / (present * counts[label]!) : 1 / labels.length));
  const size = classes * dim + classes;
  let params = new Float64Array(size);
  let grad = new Float64Array(size);
  let loss = lossAndGradient(t, rowWeights, params, grad);
  const memory = 10;
  const steps: Float64Array[] = [];
  const changes: Float64Array[] = [];
  const rhos: number[] = [];
  const direction = new Float64Array(size);
  const alphas = new Float64Array(memory);
  const maxIterations = t.maxIterations ?? 300;
  for (let iteration = 0; iteration < maxIterations; iteration++) {
    // Two-loop recursion: direction = -H grad.
    direction.set(grad);
    for (let i = steps.length - 1; i >= 0; i--) {
      alphas[i] = rhos[i]! * dotOf(steps[i]!, direction);
      const y = changes[i]!;
      for (let j = 0; j < size; j++) direction[j]! -= alphas[i]! * y[j]!;
    }
    if (steps.length > 0) {
      const last = steps.length - 1;
      const gamma = dotOf(steps[last]!, changes[last]!) / dotOf(changes[last]!, changes[last]!);
      for (let j = 0; j < size; j++) direction[j]! *= gamma;
    }
    for (let i = 0; i < steps.length; i++) {
      const beta = rhos[i]! * dotOf(changes[i]!, direction);
      const s = steps[i]!;
      for (let j = 0; j < size; j++) direction[j]! += (alphas[i]! - beta) * s[j]!;
    }
    for (let j = 0; j < size; j++) direction[j] = -direction[j]!;
    let slope = dotOf(direction, grad);
    if (slope >= 0) {
      // Not a descent direction (curvature went wrong): restart from the gradient.
      steps.length = 0;
      changes.length = 0;
      rhos.length = 0;
      for (let j = 0; j < size; j++) direction[j] = -grad[j]!;
      slope = dotOf(direction, grad);
    }
    let step = steps.length === 0 ? 1 / Math.max(1e-12, Math.sqrt(dotOf(grad, grad))) : 1;
    const next = new Float64Array(size);
    const nextGrad = new Float64Array(size);
    let nextLoss = Infinity;
    for (let tries = 0; tries < 30; tries++) {
      for (let j = 0; j < size; j++) next[j] = params[j]! + step * direction[j]!;
      nextLoss = lossAndGradient(t, rowWeights, next, nextGrad);
      if (nextLoss <= loss + 1e-4 * step * slope) break;
      step /= 2;
    }
    if (!(nextLoss < loss)) break;
    const s = new Float64Array(size);
    const y = new Float64Array(size);
    for (let j = 0; j < size; j++) {
      s[j] = next[j]! - params[j]!;
      y[j] = nextGrad[j]! - grad[j]!;
    }
    const sy = dotOf(s, y);
    if (sy > 1e-12) {
      if (steps.length === memory) {
        steps.shift();
        changes.shift();
        rhos.shift();
      }
      steps.push(s);
      changes.push(y);
      rhos.push(1 / sy);
    }
    const improvement = loss - nextLoss;
    params = next;
    grad = nextGrad;
    loss = nextLoss;
    if (improvement < 1e-9 * Math.max(1, Math.abs(loss))) break;
  }
  return { classes, dim, weights: params.slice(0, classes * dim), bias: params.slice(classes * dim) };
}

/** Class logits of one input (softmax gives the probabilities). */
export function headLogits(head: LinearHead, input: ArrayLike<number>): Float64Array {
  const out = new Float64Array(head.classes);
  for (let c = 0; c < head.classes; c++) {
    let z = head.bias[c]!;
    const w = c * head.dim;
    for (let d = 0; d < head.dim; d++) z += head.weights[w + d]! * input[d]!;
    out[c] = z;
  }
  return out;
}

/** What a head is trained with: its inputs, the L2 penalty and the class weighting. */
export interface HeadSpec {
  /**
   * The embedding alone, the embedding followed by the axis's per-label similarity scores, or those scores alone (a
   * recalibration of the kNN scoring). A bank row's scores are computed against the rest of the bank (leave-one-out).
   */
  inputs: 'embedding' | 'embedding+scores' | 'scores';
  lambda: number;
  balanced: boolean;
}

export function headSpecName(spec: HeadSpec): string {
  const inputs = { embedding: 'emb', 'embedding+scores': 'emb+scores', scores: 'scores' }[spec.inputs];
  return `${inputs} L2 ${spec.lambda}${spec.balanced ? ' balanced' : ''}`;
}

export const HEAD_SPECS: HeadSpec[] = (['embedding', 'embedding+scores', 'scores'] as const).flatMap((inputs) =>
  [1e-4, 1e-3, 1e-2, 1e-1].flatMap((lambda) => [false, true].map((balanced) => ({ inputs, lambda, balanced }))),
);

export const HEAD_TEMPERATURES = [1, 2];
