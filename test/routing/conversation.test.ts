import assert from 'node:assert/strict';
import { test } from 'node:test';
import { blendWithHistory, extractRoutingText } from '../../src/routing/conversation.js';
import { SessionMemory } from '../../src/routing/session-memory.js';

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
  assert.deepEqual(text, { query: 'third\npart', history: ['second', 'first'], hasImages: true });
  assert.deepEqual(extractRoutingText([{ role: 'user', content: 'a' }, { role: 'user', content: 'b' }, { role: 'user', content: 'c' }], 1).history, ['b']);
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
