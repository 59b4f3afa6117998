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
  nearDuplicates: { a: BankRowRef; b: BankRowRef; similarity: number }[];
}

/** A row without its vector: what a report names (and what a worker sends back cheaply). */
export type BankRowRef = Pick<BankRow, 'id' | 'label' | 'text'>;

const refOf = (row: BankRow): BankRowRef => ({ id: row.id, label: row.label, text: row.text });

const dot = (a: Float32Array, b: Float32Array) => {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i]! * b[i]!;
  return sum;
};

/** Keeps the k largest values seen, in descending order (k is small: a sorted insert beats sorting every row). */
function pushTop(top: number[], value: number, k: number): void {
  if (top.length === k && value <= top[k - 1]!) return;
  let at = top.length < k ? top.length : k - 1;
  while (at > 0 && top[at - 1]! < value) at--;
  top.splice(at, 0, value);
  if (top.length > k) top.pop();
}

const meanOf = (top: number[]) => (top.length === 0 ? -Infinity : top.reduce((s, v) => s + v, 0) / top.length);

/** A row's leave-one-out verdict from its top-k similarities per label: undefined when its own label wins. */
function looVerdict(row: BankRow, labels: readonly string[], tops: readonly number[][]): Misplaced | undefined {
  const scores = labels.map((label, l) => ({ label, score: meanOf(tops[l]!) })).sort((a, b) => b.score - a.score);
  const predicted = scores[0]!.label;
  if (predicted === row.label) return undefined;
  return {
    id: row.id,
    text: row.text,
    label: row.label,
    closerTo: predicted,
    ownScore: scores.find((s) => s.label === row.label)?.score ?? -Infinity,
    otherScore: scores[0]!.score,
  };
}

/**
 * Leave-one-out for the chosen rows only, each scored against every other row
 * as assessBank scores all of them: O(chosen x n) instead of O(n^2). The
 * dashboard's exemplar list asks about the 50 rows it shows; the whole-bank pass
 * over ~3,700 intent rows held the service's event loop for 3-14 s after every
 * exemplar change.
 */
export function misplacedAmong(rows: readonly BankRow[], chosen: ReadonlySet<number>, k: number): Misplaced[] {
  const labels = [...new Set(rows.map((r) => r.label))].sort();
  const labelIndex = new Map(labels.map((label, i) => [label, i]));
  const misplaced: Misplaced[] = [];
  for (const [i, row] of rows.entries()) {
    if (!chosen.has(row.id)) continue;
    const tops: number[][] = labels.map(() => []);
    for (const [j, other] of rows.entries()) {
      // Rounded to float32 as assessBank rounds it, so both give the same scores to the bit.
      if (i !== j) pushTop(tops[labelIndex.get(other.label)!]!, Math.fround(dot(row.vector, other.vector)), k);
    }
    const wrong = looVerdict(row, labels, tops);
    if (wrong !== undefined) misplaced.push(wrong);
  }
  return misplaced;
}

/**
 * One pass over the pairs gives every figure: the per-label top-k for
 * leave-one-out, the label-pair similarity sums and the near duplicates. No
 * similarity matrix is kept (at 5,000 rows it took 100 MB): each pair's
 * similarity goes to both rows' top-k lists at once. The first version built an
 * array of arrays and sorted every label's list per row; with a 2,800-row axis
 * that held the event loop (and the live dashboard) for well over ten seconds.
 */
export function assessBank(rows: readonly BankRow[], options: { k: number; duplicateAbove: number }): BankHealth {
  const labels = [...new Set(rows.map((r) => r.label))].sort();
  const labelIndex = new Map(labels.map((label, i) => [label, i]));
  const rowLabel = Int32Array.from(rows, (row) => labelIndex.get(row.label)!);
  const n = rows.length;
  const L = labels.length;
  const pairSum = new Float64Array(L * L);
  const pairCount = new Float64Array(L * L);
  const mistakes = new Map<string, number>();
  const misplaced: Misplaced[] = [];
  const correctByLabel = new Map<string, number>();
  const nearDuplicates: BankHealth['nearDuplicates'] = [];
  // Each row's top-k per label, filled from both ends of every pair: n x labels x k numbers instead of n x n.
  const tops: number[][][] = rows.map(() => labels.map(() => []));
  for (let i = 0; i < n; i++) {
    const row = rows[i]!;
    const li = rowLabel[i]!;
    for (let j = i + 1; j < n; j++) {
      // Rounded to float32, as the matrix of earlier versions stored it, so the figures did not move.
      const s = Math.fround(dot(row.vector, rows[j]!.vector));
      const lj = rowLabel[j]!;
      pushTop(tops[i]![lj]!, s, options.k);
      pushTop(tops[j]![li]!, s, options.k);
      pairSum[li * L + lj]! += s;
      pairCount[li * L + lj]!++;
      pairSum[lj * L + li]! += s;
      pairCount[lj * L + li]!++;
      if (s >= options.duplicateAbove) nearDuplicates.push({ a: refOf(row), b: refOf(rows[j]!), similarity: s });
    }
  }
  for (const [i, row] of rows.entries()) {
    const wrong = looVerdict(row, labels, tops[i]!);
    if (wrong === undefined) correctByLabel.set(row.label, (correctByLabel.get(row.label) ?? 0) + 1);
    else {
      const key = `${row.label}\u0000${wrong.closerTo}`;
      mistakes.set(key, (mistakes.get(key) ?? 0) + 1);
      misplaced.push(wrong);
    }
  }
  const meanSim = (label: string, other: string) => {
    const at = labelIndex.get(label)! * L + labelIndex.get(other)!;
    return pairCount[at] === 0 ? Number.NaN : pairSum[at]! / pairCount[at]!;
  };
  const labelHealth: LabelHealth[] = labels.map((label) => {
    const count = rows.filter((r) => r.label === label).length;
    const cohesion = meanSim(label, label);
    const others = labels
      .filter((l) => l !== label)
      .map((l) => ({ label: l, similarity: meanSim(label, l) }))
      .sort((a, b) => b.similarity - a.similarity);
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
