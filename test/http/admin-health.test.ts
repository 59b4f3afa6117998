import assert from 'node:assert/strict';
import { test } from 'node:test';
import { postJson, startTestService } from '../support/test-router.js';

const ADMIN = 'admin-key-for-health-tests-0001';

test('GET /admin/exemplars/health: leave-one-out health per axis, and a mislabelled exemplar shows up as misplaced', async (t) => {
  const { app } = await startTestService(t, 'use-lite', { ADMIN_API_KEY: ADMIN });
  const auth = { authorization: `Bearer ${ADMIN}` };
  const before = (await (await app.request('/admin/exemplars/health', { headers: auth })).json()) as Record<string, any>;
  assert.deepEqual(Object.keys(before).sort(), ['intent', 'tier']);
  assert.equal(before.intent.labels.length, 8, 'the seven product intents and the general region');
  assert.equal(before.tier.labels.length, 3);
  for (const axis of ['tier', 'intent']) {
    assert.ok(before[axis].loo_accuracy > 0 && before[axis].loo_accuracy <= 1);
    for (const row of before[axis].misplaced) assert.notEqual(row.closer_to, row.label);
  }

  const added = await postJson(
    app,
    '/admin/exemplars',
    { axis: 'intent', label: 'math', text: 'hello there my friend, how are you doing today?' },
    auth,
  );
  assert.equal(added.status, 201);
  const { exemplar } = (await added.json()) as { exemplar: { id: number } };
  const after = (await (await app.request('/admin/exemplars/health', { headers: auth })).json()) as Record<string, any>;
  const misplaced = after.intent.misplaced.find((row: { id: number }) => row.id === exemplar.id);
  assert.ok(misplaced, 'the greeting labelled math is flagged');
  assert.equal(misplaced.closer_to, 'smalltalk');
  assert.ok(misplaced.other_score > misplaced.own_score);

  const listed = (await (
    await app.request(`/admin/exemplars?include=conflicts&q=${encodeURIComponent('hello there my friend')}`, { headers: auth })
  ).json()) as { items: { id: number; closer_to: { closer_to: string } | null }[] };
  assert.equal(
    listed.items.find((item) => item.id === exemplar.id)?.closer_to?.closer_to,
    'smalltalk',
    'the listing marks it too',
  );
  const plain = (await (await app.request('/admin/exemplars?limit=1', { headers: auth })).json()) as {
    items: Record<string, unknown>[];
  };
  assert.equal('closer_to' in plain.items[0]!, false, 'only when asked for');

  const clientRefused = await app.request('/admin/exemplars/health');
  assert.equal(clientRefused.status, 401);
});
