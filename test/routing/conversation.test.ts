import assert from 'node:assert/strict';
import { test } from 'node:test';
import { blendWithHistory, extractRoutingText, userWords, type ChatMessageLike } from '../../src/routing/conversation.js';
import { SessionMemory } from '../../src/routing/session-memory.js';
import { TurnMemory } from '../../src/routing/turn-memory.js';

test('extractRoutingText: the last user turn is the query, earlier user turns are history, newest first', () => {
  const text = extractRoutingText(
    [
      { role: 'system', content: 'You are terse.' },
      { role: 'user', content: 'first' },
      { role: 'assistant', content: 'ok' },
      { role: 'user', content: [{ type: 'text', text: 'second' }] },
      { role: 'assistant', content: null },
      { role: 'user', content: [{ type: 'text', text: 'third' }, { type: 'image_url' }, { type: 'text', text: 'part' }] },
    ],
    5,
  );
  assert.deepEqual(
    { query: text.query, history: text.history, hasImages: text.hasImages, continuesTurn: text.continuesTurn },
    { query: 'third\npart', history: ['second', 'first'], hasImages: true, continuesTurn: false },
  );
  assert.deepEqual(
    extractRoutingText(
      [
        { role: 'user', content: 'a' },
        { role: 'user', content: 'b' },
        { role: 'user', content: 'c' },
      ],
      1,
    ).history,
    ['b'],
  );
});

test('blendWithHistory: weight 0 ignores history, otherwise earlier turns pull the vector and it stays unit length', () => {
  const query = Float32Array.from([1, 0]);
  const earlier = Float32Array.from([0, 1]);
  assert.equal(blendWithHistory(query, [earlier], 0), query);
  const blended = blendWithHistory(query, [earlier], 0.5);
  assert.ok(Math.abs(Math.hypot(blended[0]!, blended[1]!) - 1) < 1e-6);
  assert.ok(Math.abs(blended[1]! / blended[0]! - 0.5) < 1e-6, 'the earlier turn counts half');
  const twoBack = blendWithHistory(query, [Float32Array.from([0, 0]), earlier], 0.5);
  assert.ok(Math.abs(twoBack[1]! / twoBack[0]! - 0.25) < 1e-6, 'two turns back counts a quarter');
});

test('SessionMemory: keeps the highest tier until the TTL passes, and forgets the oldest beyond its size', () => {
  let now = 0;
  const sessions = new SessionMemory(1000, 2, () => now);
  sessions.remember('a', 'complex');
  sessions.remember('a', 'simple');
  assert.equal(sessions.floor('a'), 'complex');
  now = 999;
  assert.equal(sessions.floor('a'), 'complex');
  now = 2000;
  assert.equal(sessions.floor('a'), undefined);
  sessions.remember('x', 'simple');
  sessions.remember('y', 'medium');
  sessions.remember('z', 'medium');
  assert.equal(sessions.size, 2);
  assert.equal(sessions.floor('x'), undefined);
});

test('userWords: reminders go, pasted blocks keep their head, the words around them stay', () => {
  const reminder = '<system-reminder>\nUse the TodoWrite tool. Never commit secrets.\n</system-reminder>';
  assert.equal(userWords(`${reminder}\nfix the typo in the README heading`), 'fix the typo in the README heading');
  assert.equal(userWords(reminder), '', 'a reminder-only turn has no user words');
  const longFile = Array.from({ length: 80 }, (_, i) => `const value${i} = compute(${i});`).join('\n');
  const fenced = userWords(`Here is my file:\n\`\`\`ts\n${longFile}\n\`\`\`\nwhy does line 12 throw?`);
  assert.ok(
    fenced.startsWith('Here is my file:\n```ts\nconst value0 = compute(0);'),
    'the fence and its language stay, so the code-fence rule still fires',
  );
  assert.ok(fenced.endsWith('```\nwhy does line 12 throw?'));
  assert.ok(fenced.length < 260, `the paste is cut to its head (${fenced.length} chars)`);
  const log = Array.from({ length: 40 }, (_, i) => `10:${i} WARN queue depth exceeded`).join('\n');
  const tagged = userWords(`<file path="worker.log">\n${log}\n</file>\nwhat should we check first?`);
  assert.match(tagged, /^<file path="worker.log">\n10:0 WARN/);
  assert.match(tagged, /<\/file>\nwhat should we check first\?$/);
  assert.ok(tagged.length < 260);
  assert.equal(userWords('a short <b>inline</b> tag stays'), 'a short <b>inline</b> tag stays');
});

const LOOP: ChatMessageLike[] = [
  { role: 'system', content: 'You have tools.' },
  { role: 'user', content: 'design a multi-region payments ledger with exactly-once settlement' },
  { role: 'assistant', content: null },
  { role: 'tool', content: 'tables: accounts, transfers' },
];

test('extractRoutingText: a tool loop is a later step of the turn its user words began, with the same turn key', () => {
  const first = extractRoutingText(LOOP.slice(0, 2), 3);
  const later = extractRoutingText(LOOP, 3);
  const withReminder = extractRoutingText(
    [...LOOP, { role: 'user', content: '<system-reminder>todo list is empty</system-reminder>' }],
    3,
  );
  assert.equal(first.continuesTurn, false);
  assert.equal(later.continuesTurn, true);
  assert.equal(withReminder.continuesTurn, true, 'a reminder-only user turn does not start a new turn');
  assert.equal(later.query, LOOP[1]!.content);
  assert.equal(withReminder.query, LOOP[1]!.content);
  assert.match(first.turnKey!, /^[0-9a-f]{16}$/);
  assert.equal(later.turnKey, first.turnKey);
  assert.equal(withReminder.turnKey, first.turnKey);
  const otherSystem = extractRoutingText([{ role: 'system', content: 'Another app.' }, ...LOOP.slice(1)], 3);
  assert.notEqual(otherSystem.turnKey, first.turnKey, 'the system prompt is part of the turn');
});

test('extractRoutingText: a short follow-up is routed as the turn it follows; a long one, or the first turn, as itself', () => {
  const conversation = (last: string): ChatMessageLike[] => [
    ...LOOP,
    { role: 'assistant', content: 'Part one...' },
    { role: 'user', content: last },
  ];
  const followUp = extractRoutingText(conversation('thanks, continue'), { historyTurns: 3, followupMaxWords: 4 });
  assert.equal(followUp.query, LOOP[1]!.content);
  assert.deepEqual(followUp.followupOf, { turnsBack: 1, words: 2 });
  assert.deepEqual(followUp.history, []);
  const newQuestion = extractRoutingText(conversation('now write a haiku about autumn leaves'), {
    historyTurns: 3,
    followupMaxWords: 4,
  });
  assert.equal(newQuestion.query, 'now write a haiku about autumn leaves');
  assert.equal(newQuestion.followupOf, undefined);
  assert.equal(
    extractRoutingText(conversation('thanks, continue'), { historyTurns: 3, followupMaxWords: 0 }).query,
    'thanks, continue',
    '0 turns it off',
  );
  assert.equal(
    extractRoutingText([{ role: 'user', content: 'hi there' }], { historyTurns: 3, followupMaxWords: 4 }).query,
    'hi there',
  );
});

test("TurnMemory: the first step's model wins, entries expire and the least recently used goes first", () => {
  let now = 0;
  const turns = new TurnMemory(1000, 2, () => now);
  turns.remember('t1', 'model-a');
  turns.remember('t1', 'model-b');
  assert.equal(turns.modelFor('t1'), 'model-a');
  turns.remember('t2', 'model-b');
  turns.remember('t1', 'model-a');
  turns.remember('t3', 'model-c');
  assert.equal(turns.size, 2);
  assert.equal(turns.modelFor('t2'), undefined, 't2 was the least recently used');
  now = 1000;
  assert.equal(turns.modelFor('t1'), undefined, 'expired');
  const off = new TurnMemory(1000, 0);
  off.remember('t', 'm');
  assert.equal(off.modelFor('t'), undefined);
});

test('userWords on hostile text: unclosed tags, reminders and fences never grow the text, and closed blocks still work', () => {
  // Its cost is linear by construction (replaceBlocks); 32,000 characters of unclosed tags took 120 ms with lazy regexes, 2 ms now.
  for (const text of [
    '<a>\n'.repeat(8000),
    '<system-reminder>'.repeat(1800),
    '```\n'.repeat(8001),
    Array.from({ length: 4000 }, (_, i) => `<t${i}>\n`).join(''),
  ]) {
    const words = userWords(text);
    assert.ok(words.length <= text.length);
  }
  assert.equal(userWords('<a>\nkeep\n</a> and <system-reminder>x</system-reminder>done'), '<a>\nkeep\n</a> and done');
});
