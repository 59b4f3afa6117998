/**
 * Unique routing queries, so every request misses the query-embedding cache
 * unless a benchmark asks for repeats on purpose. Short ones are a handful of
 * words; long ones a paragraph (~100 words, ~130 tokens).
 */

const SHORT = [
  'reset my password',
  'my card payment was declined',
  'what is 15% of 80',
  'hi there, how are you',
  'write a haiku about autumn',
  'fix this python import error',
  'how much does the pro plan cost',
  'where is my order',
  'translate hello into french',
  'explain recursion simply',
  'cancel my subscription please',
  'is there a student discount',
  'sort a list in javascript',
  'what are your opening hours',
  'solve 3x + 7 = 22',
  'draft a polite follow-up email',
];

const SENTENCES = [
  'We run a payments platform that processes card transactions across three regions.',
  'Last week the settlement job started timing out whenever the batch grew beyond fifty thousand rows.',
  'The database is PostgreSQL with logical replication to a reporting replica.',
  'I need a plan for splitting the job into idempotent chunks that can be retried safely.',
  'Please explain the trade-offs between an outbox table and change data capture for this.',
  'Our team is small, so operational simplicity matters more than peak throughput.',
  'Also consider how we would backfill the historical data without blocking writes.',
  'Compare at least two approaches and recommend one, with the failure modes of each.',
  'The customer says the invoice total does not match the sum of the line items.',
  'Write the answer as a short design document with headings and a migration checklist.',
  'We also have a compliance requirement to keep an audit trail for seven years.',
  'Latency for the checkout path must stay under two hundred milliseconds at the ninety-ninth percentile.',
];

export type QueryKind = 'short' | 'long';

export interface QueryGenerator {
  next(): string;
}

/** A deterministic stream of distinct queries of one kind; `seed` keeps streams of different runs apart. */
export function queryStream(kind: QueryKind, seed: number): QueryGenerator {
  let n = 0;
  return {
    next() {
      const i = n++;
      const tag = `${seed}${String(i).padStart(5, '0')}`;
      if (kind === 'short') return `${SHORT[i % SHORT.length]!} (ref ${tag})`;
      const parts: string[] = [];
      for (let s = 0; s < 8; s++) parts.push(SENTENCES[(i + s * 5) % SENTENCES.length]!);
      return `Ticket ${tag}: ${parts.join(' ')}`;
    },
  };
}

/** Alternates short and long queries (the load mix for throughput runs). */
export function mixedStream(seed: number): QueryGenerator {
  const short = queryStream('short', seed);
  const long = queryStream('long', seed);
  let n = 0;
  return { next: () => (n++ % 4 === 3 ? long.next() : short.next()) };
}
