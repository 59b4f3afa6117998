/**
 * Cheap, language-light measurements of how demanding a prompt is, beside the
 * tier exemplars' kNN score: the kNN score knows what kind of task a prompt
 * looks like, not how much it asks for. Pure; regular expressions over the
 * text only (a few microseconds), so they run in every route.
 *
 * They are weighted features, not rules: their weights are fitted by
 * `npm run calibrate` on outcome data (was the weak model wrong and the strong
 * one right?) and measured leave-one-source-out by `npm run eval -- --suite --loso`.
 */
import { SIGNAL_NAMES, type ComplexityModel, type SignalName } from '../routes-config/schemas.js';

export type ComplexitySignals = Record<SignalName, number>;

const WORD = /\p{L}+|\p{N}+|[^\s\p{L}\p{N}]/gu;

/**
 * Word pieces, estimated without the tokenizer: a word of up to 8 letters is
 * usually one WordPiece, longer words split about every 5 letters, numbers
 * every 3 digits, and every punctuation mark is a piece of its own.
 */
export function estimateWordPieces(text: string): number {
  let pieces = 0;
  for (const match of text.matchAll(WORD)) {
    const token = match[0];
    if (/^\p{L}/u.test(token)) pieces += token.length <= 8 ? 1 : Math.ceil(token.length / 5);
    else if (/^\p{N}/u.test(token)) pieces += Math.ceil(token.length / 3);
    else pieces += 1;
  }
  return pieces;
}

/** Separate requests: questions, list items and clauses that open with a request verb (English and Spanish). */
const ASK_MARK = /\?/g;
const LIST_ITEM = /^\s*(?:[-*•]|\d{1,2}[.)]|\(?[a-h]\))\s+\S/gimu;
const ASK_VERB =
  /(?:^|[.;:!?\n]\s*|\b(?:and|then|also|y|luego|además)\s+)(?:please\s+|por favor,?\s+)?(?:write|explain|describe|list|give|provide|create|design|implement|build|compare|analy[sz]e|evaluate|propose|suggest|outline|summari[sz]e|prove|derive|show|calculate|compute|find|identify|discuss|justify|estimate|plan|draft|include|add|escribe|explica|describe|enumera|da(?:me)?|proporciona|crea|diseña|implementa|construye|compara|analiza|evalúa|propón|sugiere|resume|demuestra|deriva|muestra|calcula|encuentra|identifica|discute|justifica|estima|planifica|redacta|incluye|añade)\b/giu;

/** Constraints on the answer: limits, obligations, formats, "each"/"every". */
const CONSTRAINT =
  /\b(?:must|should|need(?:s)? to|without|at least|at most|no more than|exactly|only|ensure|make sure|each|every|in \d+ (?:words|sentences|steps|paragraphs)|format|json|table|bullet|cite|constraint|requirement|trade-?offs?|edge cases?|complexity|debe(?:n|s)?|sin|al menos|como máximo|exactamente|solo|asegúrate|cada|formato|tabla|requisito|restricci[oó]n)\b/giu;

const CODE_BLOCK =
  /```|^(?: {4}|\t)\S|\b(?:def|class|function|return|import|const|let|var|public|static|void|SELECT|FROM)\b[^\n]*[(){};=:]/gmu;

const MATH =
  /\\(?:frac|sum|int|sqrt|prod|lim|infty|cdot|leq|geq|mathbb)|[∑∫√≤≥≠∞π∀∃∈]|\$[^$\n]+\$|\b[a-z]\s*\^\s*\d|\d\s*[+\-*/^=]\s*\d|\b(?:equation|integral|derivative|matrix|polynomial|theorem|lemma|probability|modulo|ecuaci[oó]n|integral|derivada|matriz|polinomio|teorema|probabilidad)\b/giu;

/** Asks that take a strong model: proofs, designs, analyses, long-form or careful writing. */
const DEMANDING =
  /\b(?:prove|proof|derive|design|architecture|architect|analy[sz]e|analysis|critique|evaluate|assess|trade-?offs?|in depth|in detail|step[- ]by[- ]step|comprehensive|thorough|essay|report|article|story|screenplay|business plan|strategy|refactor|optimi[sz]e|debug|scalable|distributed|demuestra|demostración|deriva|diseña|diseño|arquitectura|analiza|análisis|critica|evalúa|en detalle|paso a paso|exhaustiv[oa]|ensayo|informe|artículo|cuento|estrategia|optimiza|escalable|distribuid[oa])\b/giu;

/** Lettered options of a multiple-choice question. */
const CHOICES = /(?:^|\n)\s*\(?[A-Da-d][).:]\s+\S/gu;

const count = (text: string, pattern: RegExp) => {
  pattern.lastIndex = 0;
  let n = 0;
  while (pattern.exec(text) !== null) n++;
  return n;
};

/** The signals of one prompt. Counts are capped so that one very long prompt cannot dominate a linear weight. */
export function measureComplexity(text: string): ComplexitySignals {
  const cap = (x: number, max: number) => Math.min(x, max);
  return {
    pieces: Math.log1p(estimateWordPieces(text)),
    asks: cap(count(text, ASK_MARK) + count(text, LIST_ITEM) + count(text, ASK_VERB), 12),
    constraints: cap(count(text, CONSTRAINT), 12),
    code: cap(count(text, CODE_BLOCK), 8),
    math: cap(count(text, MATH), 8),
    demanding: cap(count(text, DEMANDING), 6),
    choices: cap(count(text, CHOICES), 4),
  };
}

/** The probability that the prompt needs the strong model (weak model wrong, strong right), by the fitted weights. */
export function strongNeed(model: Omit<ComplexityModel, 'threshold'>, signals: ComplexitySignals, knnDifficulty: number): number {
  let z = model.bias + model.knn_weight * knnDifficulty;
  for (const name of SIGNAL_NAMES) z += (model.weights[name] ?? 0) * signals[name];
  return 1 / (1 + Math.exp(-z));
}

export { SIGNAL_NAMES, type ComplexityModel, type SignalName };
