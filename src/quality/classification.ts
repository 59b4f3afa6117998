/** Classification metrics for routing evaluation. Pure. */

export interface ClassMetrics {
  label: string;
  precision: number;
  recall: number;
  f1: number;
  /** Rows whose gold label is this one. */
  support: number;
  /** Rows predicted as this label. */
  predicted: number;
}

export interface ClassificationReport {
  rows: number;
  accuracy: number;
  /** Mean F1 over the gold labels (labels that never occur as gold do not count). */
  macroF1: number;
  perClass: ClassMetrics[];
  /** Row and column order of `confusion`: the gold labels first, then labels only ever predicted. */
  labels: string[];
  /** confusion[gold][predicted] counts. */
  confusion: number[][];
}

export interface LabelledPrediction {
  gold: string;
  predicted: string;
}

const ratio = (numerator: number, denominator: number) => (denominator === 0 ? 0 : numerator / denominator);

/**
 * Accuracy, per-class precision/recall/F1, macro-F1 and the confusion matrix.
 * `labelOrder` fixes the order of known labels; unseen labels are appended.
 */
export function classificationReport(
  predictions: readonly LabelledPrediction[],
  labelOrder: readonly string[] = [],
): ClassificationReport {
  const goldLabels = new Set(predictions.map((p) => p.gold));
  const labels = [...labelOrder.filter((label) => goldLabels.has(label))];
  for (const p of predictions) if (!labels.includes(p.gold)) labels.push(p.gold);
  for (const label of labelOrder)
    if (!labels.includes(label) && predictions.some((p) => p.predicted === label)) labels.push(label);
  for (const p of predictions) if (!labels.includes(p.predicted)) labels.push(p.predicted);
  const at = new Map(labels.map((label, i) => [label, i]));
  const confusion = labels.map(() => labels.map(() => 0));
  let correct = 0;
  for (const p of predictions) {
    confusion[at.get(p.gold)!]![at.get(p.predicted)!]!++;
    if (p.gold === p.predicted) correct++;
  }
  const perClass = labels
    .filter((label) => goldLabels.has(label))
    .map((label) => {
      const i = at.get(label)!;
      const tp = confusion[i]![i]!;
      const support = confusion[i]!.reduce((sum, n) => sum + n, 0);
      const predicted = confusion.reduce((sum, row) => sum + row[i]!, 0);
      const precision = ratio(tp, predicted);
      const recall = ratio(tp, support);
      return { label, precision, recall, f1: ratio(2 * precision * recall, precision + recall), support, predicted };
    });
  return {
    rows: predictions.length,
    accuracy: ratio(correct, predictions.length),
    macroF1: ratio(
      perClass.reduce((sum, c) => sum + c.f1, 0),
      perClass.length,
    ),
    perClass,
    labels,
    confusion,
  };
}

/**
 * Area under the ROC curve: the probability that a random positive scores
 * higher than a random negative (ties count half). 0.5 is chance.
 */
export function rocAuc(scored: readonly { score: number; positive: boolean }[]): number {
  const sorted = [...scored].sort((a, b) => a.score - b.score);
  const positives = sorted.filter((s) => s.positive).length;
  const negatives = sorted.length - positives;
  if (positives === 0 || negatives === 0) return Number.NaN;
  // Mann-Whitney U with average ranks for ties.
  let rankSum = 0;
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (j < sorted.length && sorted[j]!.score === sorted[i]!.score) j++;
    const averageRank = (i + 1 + j) / 2;
    for (let m = i; m < j; m++) if (sorted[m]!.positive) rankSum += averageRank;
    i = j;
  }
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/** The value below which `q` of the values fall (linear interpolation). */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const position = (sorted.length - 1) * Math.min(1, Math.max(0, q));
  const low = Math.floor(position);
  const high = Math.ceil(position);
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (position - low);
}

/** A fixed-width text table of the confusion matrix, gold labels down, predictions across. */
export function formatConfusion(report: ClassificationReport): string {
  const width = Math.max(7, ...report.labels.map((label) => label.length + 1));
  const head = 'gold \\ predicted'.padEnd(18) + report.labels.map((label) => label.padStart(width)).join('');
  const lines = report.labels
    .map((label, i) => ({ label, row: report.confusion[i]! }))
    .filter(({ row }) => row.some((n) => n > 0))
    .map(({ label, row }) => label.padEnd(18) + row.map((n) => String(n).padStart(width)).join(''));
  return [head, ...lines].join('\n');
}
