/**
 * Routes hand-written agent transcripts (scripts/quality/agent-transcripts.jsonl:
 * tool loops, reminders, pasted files and logs, short follow-ups, each with the
 * tier and intent a person would give it) through the router as the service
 * boots it, and reports what each was routed to. The transcripts are our own
 * sentences; the labels are one person's judgement, so the figure is a
 * regression check for agent traffic, not a quality estimate.
 *
 *   node --import tsx scripts/quality/run-transcripts.ts [--file path] [--embedder use-lite|minilm]
 */
import { parseArgs } from 'node:util';
import type { ChatMessageLike } from '../../src/routing/conversation.js';
import { openEvalRouter } from './eval-router.js';
import { readJsonl } from './labelled-file.js';

const { values } = parseArgs({
  options: {
    file: { type: 'string', default: 'scripts/quality/agent-transcripts.jsonl' },
    embedder: { type: 'string', default: 'use-lite' },
  },
});

interface Transcript {
  id: string;
  tier: string;
  intent: string;
  messages: ChatMessageLike[];
}

const transcripts = readJsonl(values.file) as unknown as Transcript[];
const router = await openEvalRouter({ env: { EMBEDDER: values.embedder } });
try {
  let tierHits = 0;
  let intentHits = 0;
  let underRouted = 0;
  const order = ['simple', 'medium', 'complex'];
  console.log(`embedder ${router.router.embedder.id}, scoring ${router.router.scoringSource}, ${transcripts.length} transcripts`);
  console.log('id                       gold tier  routed     gold intent  routed      adjustments');
  for (const transcript of transcripts) {
    const outcome = await router.router.route({ messages: transcript.messages });
    const { tier, intent, adjustments } = outcome.decision;
    if (tier === transcript.tier) tierHits++;
    if (intent === transcript.intent) intentHits++;
    if (order.indexOf(tier) < order.indexOf(transcript.tier)) underRouted++;
    console.log(
      `${transcript.id.padEnd(24)} ${transcript.tier.padEnd(10)} ${tier.padEnd(10)} ${transcript.intent.padEnd(12)} ${intent.padEnd(11)} ${adjustments.join('; ')}`,
    );
  }
  const n = transcripts.length;
  console.log(`tier ${tierHits}/${n} right, ${underRouted} routed below the gold tier; intent ${intentHits}/${n} right`);
} finally {
  router.close();
}
