/** Exemplar-bank health without labelled data: how well each label's exemplars hold together and apart. Pure. */

export interface BankRow {
  id: number;
  label: string;
  text: string;
  /** L2-normalised. */
  vector: Float32Array;
}

export interface LabelHealth {
  label: string;
  count: number;
  /** Leave-one-out accuracy: each exemplar classified by the others (top-k mean per label). */
  looAccuracy: number;
  /** Mean similarity to the own label's other exemplars, and to the nearest other label's. */
  cohesion: number;
  nearestOther: { label: string; similarity: number } | undefined;
  /** cohesion minus the nearest other label's mean similarity: higher is better separated. */
  separation: number;
}

export interface Misplaced {
  id: number;
  text: string;
  label: string;
  closerTo: string;
  ownScore: number;
  otherScore: number;
}

export interface BankHealth {
  labels: LabelHealth[];
  looAccuracy: number;
  /** gold -> predicted counts of leave-one-out mistakes, most frequent first. */
  confusedPairs: { label: string; predicted: string; count: number }[];
  misplaced: Misplaced[];
  nearDuplicates: { a: BankRow; b: BankRow; similarity: number }[];
}

const dot = (a: Float32Array, b: Float32Array) => {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i]! * b[i]!;
  return sum;
};

function topMean(values: number[], k: number): number {
  if (values.length === 0) return -Infinity;
  const top = [...values].sort((x, y) => y - x).slice(0, k);
  return top.reduce((s, v) => s + v, 0) / top.length;
}

export function assessBank(rows: readonly BankRow[], options: { k: number; duplicateAbove: number }): BankHealth {
  const labels = [...new Set(rows.map((r) => r.label))].sort();
  const sims = rows.map((a) => rows.map((b) => dot(a.vector, b.vector)));
  const mistakes = new Map<string, number>();
  const misplaced: Misplaced[] = [];
  const correctByLabel = new Map<string, number>();
  rows.forEach((row, i) => {
    const byLabel = new Map<string, number[]>();
    rows.forEach((other, j) => {
      if (i === j) return;
      (byLabel.get(other.label) ?? byLabel.set(other.label, []).get(other.label)!).push(sims[i]![j]!);
    });
    const scores = labels.map((label) => ({ label, score: topMean(byLabel.get(label) ?? [], options.k) })).sort((a, b) => b.score - a.score);
    const predicted = scores[0]!.label;
    if (predicted === row.label) correctByLabel.set(row.label, (correctByLabel.get(row.label) ?? 0) + 1);
    else {
      const key = `${row.label}\u0000${predicted}`;
      mistakes.set(key, (mistakes.get(key) ?? 0) + 1);
      misplaced.push({
        id: row.id,
        text: row.text,
        label: row.label,
        closerTo: predicted,
        ownScore: scores.find((s) => s.label === row.label)?.score ?? -Infinity,
        otherScore: scores[0]!.score,
      });
    }
  });
  const meanSim = (label: string, other: string) => {
    let sum = 0;
    let n = 0;
    rows.forEach((a, i) => {
      if (a.label !== label) return;
      rows.forEach((b, j) => {
        if (i === j || b.label !== other) return;
        sum += sims[i]![j]!;
        n++;
      });
    });
    return n === 0 ? Number.NaN : sum / n;
  };
  const labelHealth = labels.map((label) => {
    const count = rows.filter((r) => r.label === label).length;
    const cohesion = meanSim(label, label);
    const others = labels.filter((l) => l !== label).map((l) => ({ label: l, similarity: meanSim(label, l) })).sort((a, b) => b.similarity - a.similarity);
    const nearestOther = others[0];
    return {
      label,
      count,
      looAccuracy: (correctByLabel.get(label) ?? 0) / Math.max(1, count),
      cohesion,
      nearestOther,
      separation: cohesion - (nearestOther?.similarity ?? 0),
    };
  });
  const nearDuplicates: BankHealth['nearDuplicates'] = [];
  rows.forEach((a, i) => {
    for (let j = i + 1; j < rows.length; j++) if (sims[i]![j]! >= options.duplicateAbove) nearDuplicates.push({ a, b: rows[j]!, similarity: sims[i]![j]! });
  });
  return {
    labels: labelHealth,
    looAccuracy: rows.length === 0 ? 0 : [...correctByLabel.values()].reduce((s, v) => s + v, 0) / rows.length,
    confusedPairs: [...mistakes.entries()]
      .map(([key, count]) => {
        const [label, predicted] = key.split('\u0000') as [string, string];
        return { label, predicted, count };
      })
      .sort((a, b) => b.count - a.count),
    misplaced: misplaced.sort((a, b) => b.otherScore - b.ownScore - (a.otherScore - a.ownScore)),
    nearDuplicates: nearDuplicates.sort((a, b) => b.similarity - a.similarity),
  };
}
